"""The report's figures as PNG bytes (matplotlib's Agg canvas, no pyplot, no display).

Using ``Figure`` + ``FigureCanvasAgg`` directly keeps matplotlib's global state (and any GUI
backend) out of the app: the report can be drawn from any thread or a headless server. Every
function returns None when there is nothing to draw so the page can say so in words.
Colours come from a colour-blind-safe palette (Okabe-Ito), fonts are large enough to read on paper.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from aac.kinds import UsageKind
from aac.store.report_metrics import Metrics, local_dt

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: The order of selection kinds in the kinds plot (plain strings: they are the plot's labels).
KIND_ORDER = [k.value for k in (UsageKind.WORD, UsageKind.ENDING, UsageKind.CHUNK, UsageKind.PHRASE, UsageKind.LETTER,
                                UsageKind.SPACE, UsageKind.PUNCT, UsageKind.ACTION, UsageKind.PAGE)]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_RC = {"font.size": 11, "axes.titlesize": 13, "axes.labelsize": 11, "axes.spines.top": False,
       "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3}


def _figure(w: float = 8.0, h: float = 3.4, rows: int = 1, cols: int = 1, **kw: Any):
    """A new figure; call inside ``matplotlib.rc_context(_RC ...)`` so the style applies."""
    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    axes = fig.subplots(rows, cols, **kw)
    return fig, axes


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def _dates(ax, xs: list[datetime] | None = None) -> None:
    """Date ticks; with ``xs`` the range is padded so one day of data is not a dot in 4 years."""
    if xs:
        lo, hi = min(xs), max(xs)
        pad = max(timedelta(days=1), (hi - lo) * 0.04)
        ax.set_xlim(lo - pad, hi + pad)
    loc = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))


def _as_dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 12)


def _series(m: Metrics, attr: str) -> tuple[list[datetime], list[float]]:
    xs, ys = [], []
    for d in m.days:
        v = getattr(d, attr)
        if v is not None:
            xs.append(_as_dt(d.day))
            ys.append(v)
    return xs, ys


def _line(m: Metrics, attr: str, title: str, ylabel: str, scale: float = 1.0,
          color: str = OKABE_ITO[0]) -> bytes | None:
    xs, ys = _series(m, attr)
    if not xs:
        return None
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig, ax = _figure()
        ys = [y * scale for y in ys]
        ax.plot(xs, ys, "o-", color=color, lw=1.5, ms=4, label="per day")
        if len(ys) >= 5:
            k = 7
            avg = [sum(ys[max(0, i - k + 1):i + 1]) / len(ys[max(0, i - k + 1):i + 1]) for i in range(len(ys))]
            ax.plot(xs, avg, "-", color="#000000", lw=2.5, alpha=0.7, label="7-day mean")
            ax.legend(loc="best", frameon=False)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=min(0, min(ys)), top=max(ys) * 1.1 if max(ys) > 0 else None)
        _dates(ax, xs)
        return _png(fig)


def wpm_plot(m: Metrics) -> bytes | None:
    return _line(m, "wpm", "Words per minute", "words / minute")


def sel_per_word_plot(m: Metrics) -> bytes | None:
    return _line(m, "sel_per_word", "Selections per word (lower is better)", "selections / word",
                 color=OKABE_ITO[5])


def ks_plot(m: Metrics) -> bytes | None:
    return _line(m, "ks", "Keystroke savings against spelling letter by letter", "% saved", scale=100,
                 color=OKABE_ITO[2])


def kinds_plot(m: Metrics) -> bytes | None:
    if not m.weekly_kinds:
        return None
    import matplotlib

    kinds = [k for k in KIND_ORDER if m.kind_counts[k]] + sorted(
        k for k in m.kind_counts if k not in KIND_ORDER)
    weeks = sorted(m.weekly_kinds)
    with matplotlib.rc_context(_RC):
        fig, (ax1, ax2) = _figure(9.0, 3.6, 1, 2, width_ratios=[1, 2])
        total = sum(m.kind_counts.values())
        ax1.barh(kinds[::-1], [100 * m.kind_counts[k] / total for k in kinds[::-1]],
                 color=[OKABE_ITO[i % 8] for i in range(len(kinds))][::-1])
        ax1.set_xlabel("% of all selections")
        ax1.set_title("Selections by kind")
        bottom = [0.0] * len(weeks)
        labels = [w.strftime("%d %b") for w in weeks]
        for i, k in enumerate(kinds):
            share = [100 * m.weekly_kinds[w][k] / max(1, sum(m.weekly_kinds[w].values())) for w in weeks]
            ax2.bar(labels, share, bottom=bottom, color=OKABE_ITO[i % 8], label=k)
            bottom = [b + s for b, s in zip(bottom, share)]
        ax2.set_ylabel("% of the week's selections")
        ax2.set_title("By week (week starting)")
        ax2.set_ylim(0, 100)
        ax2.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        return _png(fig)


def ranks_plot(m: Metrics) -> bytes | None:
    if not m.ranks:
        return None
    import matplotlib

    kinds = [k.value for k in (UsageKind.WORD, UsageKind.ENDING, UsageKind.CHUNK) if k in m.ranks]
    top = max(max(c) for c in m.ranks.values())
    ranks = list(range(top + 1))
    with matplotlib.rc_context(_RC):
        fig, ax = _figure()
        width = 0.8 / len(kinds)
        for i, k in enumerate(kinds):
            total = sum(m.ranks[k].values())
            ax.bar([r + (i - (len(kinds) - 1) / 2) * width for r in ranks],
                   [100 * m.ranks[k][r] / total for r in ranks], width=width, color=OKABE_ITO[i],
                   label=f"{k} (n={total})")
        ax.set_xticks(ranks, [f"{r + 1}" for r in ranks])
        ax.set_xlabel("position of the picked suggestion (1 = the predictor's top choice)")
        ax.set_ylabel("% of picks")
        ax.set_title("Rank of picked suggestions")
        ax.legend(frameon=False)
        return _png(fig)


def errors_plot(m: Metrics) -> bytes | None:
    xs, ys = _series(m, "errors_per_100")
    if not xs:
        return None
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig, (ax1, ax2) = _figure(9.0, 3.4, 1, 2, width_ratios=[2, 1])
        ax1.plot(xs, ys, "o-", color=OKABE_ITO[5], ms=4)
        ax1.set_ylabel("per 100 selections")
        ax1.set_title("Undo / delete / suspected false activations")
        ax1.set_ylim(bottom=0, top=max(1.0, max(ys) * 1.1))
        _dates(ax1, xs)
        if m.error_counts:
            kinds = [k for k, _ in m.error_counts.most_common()]
            ax2.barh([k.replace("_", " ") for k in kinds[::-1]], [m.error_counts[k] for k in kinds[::-1]],
                     color=OKABE_ITO[1])
            ax2.set_xlabel("count")
            ax2.set_title("By kind")
        else:
            ax2.axis("off")
            ax2.text(0.5, 0.5, "no corrections", ha="center", va="center")
        return _png(fig)


def activity_plot(m: Metrics) -> bytes | None:
    if not any(any(r) for r in m.activity):
        return None
    import matplotlib

    with matplotlib.rc_context(_RC | {"axes.grid": False}):
        fig, ax = _figure(9.0, 3.2)
        im = ax.imshow(m.activity, aspect="auto", cmap="Blues", interpolation="nearest")
        ax.set_yticks(range(7), WEEKDAYS)
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_xlabel("hour of day (local time)")
        ax.set_title("Activity: selections by weekday and hour")
        fig.colorbar(im, ax=ax, label="selections", shrink=0.9)
        return _png(fig)


def sessions_plot(m: Metrics) -> bytes | None:
    if not m.sessions:
        return None
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig, (ax1, ax2) = _figure(9.0, 3.4, 1, 2, width_ratios=[2, 1])
        xs = [local_dt(s["started"]) for s in m.sessions]
        ys = [s["minutes"] for s in m.sessions]
        colors = [OKABE_ITO[5] if s["unended"] else OKABE_ITO[0] for s in m.sessions]
        ax1.scatter(xs, ys, c=colors, s=22)
        ax1.set_ylabel("minutes")
        ax1.set_title("Session lengths" + (" (orange: not ended normally)" if any(s["unended"] for s in m.sessions) else ""))
        ax1.set_ylim(bottom=0, top=max(1.0, max(ys) * 1.1))
        _dates(ax1, xs)
        ax2.hist(ys, bins=min(15, max(3, len(ys) // 3)), color=OKABE_ITO[0])
        ax2.set_xlabel("minutes")
        ax2.set_ylabel("sessions")
        ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax2.set_title("Distribution")
        return _png(fig)


def dwell_calibration_plot(m: Metrics, calibration_history: list[dict[str, Any]]) -> bytes | None:
    dwell = [(local_dt(s["started"]), s["dwell_ms"]) for s in m.sessions if s["dwell_ms"] is not None]
    cal = [(local_dt(s["started"]), s["calibration_deg"]) for s in m.sessions if s["calibration_deg"] is not None]
    stored = []
    for h in calibration_history:
        acc = _accuracy_deg(h)
        when = _parse_date(h.get("date"))
        if acc is not None and when is not None:
            stored.append((when, acc))
    if m.sessions:  # show only stored calibrations inside the report's period
        lo, hi = dwell[0][0] if dwell else None, dwell[-1][0] if dwell else None
        if lo and hi:
            stored = [(w, a) for w, a in stored if lo.date() <= w.date() <= hi.date()] or stored[-1:]
    if not dwell and not cal and not stored:
        return None
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig, (ax1, ax2) = _figure(8.0, 4.6, 2, 1, sharex=True)
        if dwell:
            ax1.step([d for d, _ in dwell], [v for _, v in dwell], where="post", color=OKABE_ITO[0], lw=2)
            ax1.plot([d for d, _ in dwell], [v for _, v in dwell], "o", color=OKABE_ITO[0], ms=3)
            ax1.set_ylim(0, max(v for _, v in dwell) * 1.2)
        ax1.set_ylabel("dwell (ms)")
        ax1.set_title("Dwell-time setting per session")
        if cal:
            ax2.plot([d for d, _ in cal], [v for _, v in cal], "o", color=OKABE_ITO[1], ms=4,
                     label="in use during session")
        if stored:
            ax2.plot([d for d, _ in stored], [v for _, v in stored], "D", color=OKABE_ITO[3], ms=8,
                     label="calibration run")
        ax2.set_ylabel("accuracy (°, lower is better)")
        ax2.set_title("Calibration accuracy")
        ax2.set_ylim(bottom=0)
        if cal or stored:
            ax2.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
        else:
            ax2.text(0.5, 0.5, "no calibration recorded", transform=ax2.transAxes, ha="center",
                     va="center", color="#555555")
        if not dwell:
            ax1.text(0.5, 0.5, "no dwell setting recorded", transform=ax1.transAxes, ha="center",
                     va="center", color="#555555")
        _dates(ax2, [d for d, _ in dwell + cal + stored])
        return _png(fig)


_CELL = re.compile(r"(\d+)\s*,\s*(\d+)")


def parse_cell(tile_id: str) -> tuple[int, int] | None:
    """Row and column from a tile id such as "2,3", "main/2,3:letter:a" or "r2c3"; else None."""
    m = _CELL.search(tile_id) or re.search(r"r(\d+)\D*c(\d+)$", tile_id)
    return (int(m.group(1)), int(m.group(2))) if m else None


def tile_heatmap_plot(tile_usage: list[dict[str, Any]]) -> bytes | None:
    if not tile_usage:
        return None
    import matplotlib

    per_page: dict[str, Counter] = defaultdict(Counter)
    for r in tile_usage:
        per_page[r["page"] or "(page)"][r["tile_id"]] += r["count"]
    pages = sorted(per_page, key=lambda p: -sum(per_page[p].values()))[:4]
    with matplotlib.rc_context(_RC | {"axes.grid": False}):
        fig, axes = _figure(9.0, 3.6 * len(pages), len(pages), 1, squeeze=False)
        for ax, page in zip(axes[:, 0], pages):
            counts = per_page[page]
            cells = {t: parse_cell(t) for t in counts}
            unplaced = sum(n for t, n in counts.items() if cells[t] is None)
            if any(cells.values()):
                rows = max(c[0] for c in cells.values()) + 1
                cols = max(c[1] for c in cells.values()) + 1
                grid = [[0] * cols for _ in range(rows)]
                for t, n in counts.items():
                    if cells[t] is not None:
                        r, c = cells[t]
                        grid[r][c] += n
                import numpy as np
                from matplotlib import colormaps

                # never-used cells stay blank, distinct from "a few"
                cmap = colormaps["magma_r"].with_extremes(bad="#ffffff")
                masked = np.ma.masked_equal(np.array(grid, dtype=float), 0)
                im = ax.imshow(masked, cmap=cmap, aspect="equal", interpolation="nearest", vmin=0)
                ax.set_facecolor("#ffffff")
                peak = max(max(r) for r in grid) or 1
                for r in range(rows):
                    for c in range(cols):
                        if grid[r][c]:
                            ax.text(c, r, str(grid[r][c]), ha="center", va="center", fontsize=8,
                                    color="white" if grid[r][c] > peak * 0.55 else "black")
                ax.set_xticks(range(cols))
                ax.set_yticks(range(rows))
                ax.set_xlabel("column")
                ax.set_ylabel("row")
                cb = fig.colorbar(im, ax=ax, label="selections", shrink=0.9)
                cb.locator = MaxNLocator(integer=True)
                cb.update_ticks()
            else:
                top = counts.most_common(25)
                ax.barh([t for t, _ in top][::-1], [n for _, n in top][::-1], color=OKABE_ITO[0])
                ax.set_xlabel("selections")
            note = f" (+{unplaced} on tiles without a grid cell)" if unplaced and any(cells.values()) else ""
            ax.set_title(f"Tile use on page '{page}'{note}")
        return _png(fig)


def _accuracy_deg(h: dict[str, Any]) -> float | None:
    for key in ("accuracy_deg", "mean_deg", "error_deg", "accuracy"):
        v = h.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return None


def _parse_date(s: Any) -> datetime | None:
    if not isinstance(s, str):
        return None
    try:
        d = datetime.fromisoformat(s)
    except ValueError:
        return None
    return d.astimezone().replace(tzinfo=None) if d.tzinfo else d


PLOTS: list[tuple[str, str, Callable[..., bytes | None]]] = [
    ("wpm", "Words per minute over time", wpm_plot),
    ("sel_per_word", "Selections per word", sel_per_word_plot),
    ("ks", "Keystroke savings", ks_plot),
    ("kinds", "Words, endings and letters", kinds_plot),
    ("ranks", "Rank of picked suggestions", ranks_plot),
    ("errors", "Undo and delete rate", errors_plot),
    ("activity", "Activity by hour and day", activity_plot),
    ("sessions", "Session lengths", sessions_plot),
]


# ---------------------------------------------------------------- issue 19: weeks, periods, words
def weekly_plot(weeks: list[Any]) -> bytes | None:
    """Rate (words and selections per minute) and keystroke savings per week (PeriodMeasures)."""
    pts = [w for w in weeks if w.wpm is not None]
    if not pts:
        return None
    import matplotlib

    labels = [w.label for w in weeks]
    with matplotlib.rc_context(_RC):
        fig, (ax1, ax2, ax3) = _figure(10.0, 3.4, 1, 3)
        x = list(range(len(weeks)))
        ax1.plot(x, [w.wpm if w.wpm is not None else float("nan") for w in weeks], "o-", color=OKABE_ITO[0], lw=2)
        ax1.set_title("Words per minute")
        ax2.plot(x, [w.selections_per_min if w.selections_per_min is not None else float("nan") for w in weeks],
                 "o-", color=OKABE_ITO[1], lw=2)
        ax2.set_title("Selections per minute")
        ax3.plot(x, [100 * w.ks if w.ks is not None else float("nan") for w in weeks], "o-", color=OKABE_ITO[2], lw=2)
        ax3.set_title("Keystroke savings (%)")
        for ax in (ax1, ax2, ax3):
            ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=9)
            ax.set_ylim(bottom=0)
        return _png(fig)


def composition_plot(weeks: list[Any], categories: list[tuple[str, str, tuple[str, ...]]]) -> bytes | None:
    """How messages were composed: share of message-building selections by category, per week."""
    total = Counter()
    for w in weeks:
        total.update(w.composition)
    keys = [k for k, _, _ in categories if total[k]]
    if not keys:
        return None
    import matplotlib

    names = {k: label for k, label, _ in categories}
    with matplotlib.rc_context(_RC):
        fig, (ax1, ax2) = _figure(10.0, 3.8, 1, 2, width_ratios=[1, 1.6])
        whole = sum(total[k] for k in keys)
        ax1.barh([names[k] for k in keys][::-1], [100 * total[k] / whole for k in keys][::-1],
                 color=[OKABE_ITO[i % 8] for i in range(len(keys))][::-1])
        ax1.set_xlabel("% of message-building selections")
        ax1.set_title("Whole period")
        x = list(range(len(weeks)))
        bottom = [0.0] * len(weeks)
        for i, k in enumerate(keys):
            share = [100 * w.composition[k] / max(1, sum(w.composition.values())) for w in weeks]
            ax2.bar(x, share, bottom=bottom, color=OKABE_ITO[i % 8], label=names[k])
            bottom = [b + s for b, s in zip(bottom, share)]
        ax2.set_xticks(x, [w.label for w in weeks], rotation=30, ha="right", fontsize=9)
        ax2.set_ylim(0, 100)
        ax2.set_title("By week")
        ax2.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=9)
        return _png(fig)


def weekly_errors_plot(weeks: list[Any]) -> bytes | None:
    """Corrections, estimated false activations and long pauses per week."""
    if not any(w.selections for w in weeks):
        return None
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig, (ax1, ax2) = _figure(9.0, 3.2, 1, 2)
        x = list(range(len(weeks)))
        ax1.plot(x, [w.corrections_per_100 if w.corrections_per_100 is not None else float("nan") for w in weeks],
                 "o-", color=OKABE_ITO[5], lw=2, label="corrections")
        ax1.plot(x, [w.false_activations_per_100 if w.false_activations_per_100 is not None else float("nan")
                     for w in weeks], "s--", color=OKABE_ITO[3], lw=2, label="false activations (est.)")
        ax1.set_title("Per 100 selections, by week")
        ax1.set_ylim(bottom=0)
        ax1.legend(frameon=False, fontsize=9)
        ax2.bar([i - 0.2 for i in x], [w.pause_key for w in weeks], width=0.4, color=OKABE_ITO[0], label="pause key")
        ax2.bar([i + 0.2 for i in x], [w.long_gaps for w in weeks], width=0.4, color=OKABE_ITO[1],
                label="long pauses while composing")
        ax2.set_title("Pauses, by week")
        ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax2.legend(frameon=False, fontsize=9)
        for ax in (ax1, ax2):
            ax.set_xticks(x, [w.label for w in weeks], rotation=30, ha="right", fontsize=9)
        return _png(fig)


def compare_plot(a: Any, b: Any) -> bytes | None:
    """The earlier period against the later one on the measures that show progress."""
    panels = [("Words per minute", "wpm", 1), ("Selections per minute", "selections_per_min", 1),
              ("Keystroke savings (%)", "ks", 100), ("Corrections / 100 sel.", "corrections_per_100", 1),
              ("MLU (words)", "mlu", 1)]
    panels = [p for p in panels if getattr(a, p[1]) is not None or getattr(b, p[1]) is not None]
    if not panels:
        return None
    import matplotlib

    with matplotlib.rc_context(_RC | {"axes.grid": False}):
        fig, axes = _figure(2.0 * len(panels) + 1, 3.0, 1, len(panels), squeeze=False)
        for ax, (title, attr, scale) in zip(axes[0], panels):
            vals = [(getattr(p, attr) or 0.0) * scale for p in (a, b)]
            bars = ax.bar(["earlier", "later"], vals, color=[OKABE_ITO[4], OKABE_ITO[0]])
            ax.bar_label(bars, fmt="%.1f", fontsize=9)
            ax.set_title(title, fontsize=10)
            ax.set_ylim(0, max(vals + [1e-9]) * 1.25)
            ax.set_yticks([])
        return _png(fig)


def vocabulary_plot(top: list[tuple[str, int]], core: frozenset[str]) -> bytes | None:
    """Most used words, core words in one colour and fringe words in another."""
    if not top:
        return None
    import matplotlib
    from matplotlib.patches import Patch

    with matplotlib.rc_context(_RC):
        fig, ax = _figure(8.0, max(3.0, 0.28 * len(top) + 1))
        words = [w for w, _ in top][::-1]
        ax.barh(words, [n for _, n in top][::-1],
                color=[OKABE_ITO[0] if w in core else OKABE_ITO[1] for w in words])
        ax.set_xlabel("times used")
        ax.set_title("Most used words")
        if core:
            ax.legend(handles=[Patch(color=OKABE_ITO[0], label="core"), Patch(color=OKABE_ITO[1], label="fringe")],
                      frameon=False, loc="lower right")
        return _png(fig)


def _by_person(detail: str) -> bool:
    return str(detail).startswith(("caregiver", "settings"))


def dwell_changes_plot(m: Metrics, events: list[dict[str, Any]]) -> bytes | None:
    """The dwell setting per session with the logged dwell changes (adaptive dwell, caregiver)."""
    changes = [(local_dt(e["t"]), float(e["value"]), e.get("detail") or "") for e in events
               if e.get("kind") == "dwell_change" and e.get("value") is not None]
    if not changes:
        return None
    dwell = [(local_dt(s["started"]), s["dwell_ms"]) for s in m.sessions if s["dwell_ms"] is not None]
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig, ax = _figure(8.0, 3.4)
        if dwell:
            ax.step([d for d, _ in dwell], [v for _, v in dwell], where="post", color=OKABE_ITO[0], lw=2,
                    label="setting at session start")
        for detail, marker, colour in (("adaptive", "v", OKABE_ITO[5]), ("caregiver", "D", OKABE_ITO[3])):
            # detail "caregiver"/"settings..." is a person's change; anything else (the adaptive
            # dwell's reason: "adaptive", "kept_streak", "undo", "false_activation", "bounds") is automatic
            pts = [(d, v) for d, v, k in changes if _by_person(k) == (detail == "caregiver")]
            if pts:
                ax.plot([d for d, _ in pts], [v for _, v in pts], marker, color=colour, ms=6, ls="none",
                        label=f"{'adaptive dwell' if detail == 'adaptive' else 'changed by caregiver/settings'}")
        ax.set_ylabel("dwell (ms)")
        ax.set_title("Dwell time changes during use")
        allv = [v for _, v in dwell] + [v for _, v, _ in changes]
        ax.set_ylim(0, max(allv) * 1.2)
        ax.legend(loc="lower left", frameon=False, fontsize=9)
        _dates(ax, [d for d, _ in dwell] + [d for d, _, _ in changes])
        return _png(fig)
