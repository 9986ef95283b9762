"""The clinician report in a real browser (issue 19): Debian's chromium driven by Playwright.

Every section renders, every plot is a decoded image with a real size, the two-period comparison
shows the synthetic person's improvement, the page fits 1280 px without sideways scrolling, and
Chromium's print-to-PDF gives a multi-page A4 document. Set AAC_REPORT_SHOTS=DIR to keep the
screenshots and the PDF for looking at.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_helpers import improving_record  # noqa: F401 - a session fixture (shared with test_report_language)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SECTIONS = ["summary", "compare", "weekly", "wpm", "sel_per_word", "ks", "kinds", "ranks", "errors", "activity",
            "sessions", "dwell", "vocabulary", "tiles"]

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra (pip install -e .[dev])")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/setup.sh)")


@pytest.fixture(scope="module")
def report(improving_record):  # noqa: F811 - the imported fixture
    return improving_record.html


@pytest.fixture(scope="module")
def page(report):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.goto(report.as_uri())
        pg.wait_for_load_state("load")
        pg.requests = requests  # type: ignore[attr-defined]
        yield pg
        browser.close()


def _keep(tmp: Path, name: str) -> Path:
    out = os.environ.get("AAC_REPORT_SHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp, Path(out) / name)
    return tmp


def test_every_section_renders_with_its_plots(page, tmp_path):
    for key in SECTIONS:
        section = page.locator(f"#s-{key}")
        assert section.count() == 1 and section.is_visible(), key
        imgs = section.locator("img")
        # decoded images with a real size (a broken data URI has naturalWidth 0)
        sizes = imgs.evaluate_all("els => els.map(e => [e.naturalWidth, e.getBoundingClientRect().width])")
        if key != "summary":
            assert sizes, f"section {key} has no plot"
        assert all(nw > 300 and w > 300 for nw, w in sizes), (key, sizes)
        assert section.locator(".empty").count() == 0, (key, section.locator(".empty").all_inner_texts())
    assert page.locator("#s-tiles img").count() >= 2  # the board's pages, each drawn whole
    # nothing wider than the window; nothing fetched but the file itself (self-contained)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert all(u.startswith(("file:", "data:")) for u in page.requests), page.requests
    shot = tmp_path / "report-1280.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 100_000
    _keep(shot, "report-1280.png")
    for key in ("compare", "tiles", "vocabulary"):
        part = tmp_path / f"report-{key}.png"
        page.locator(f"#s-{key}").screenshot(path=str(part))
        _keep(part, part.name)


def test_comparison_shows_the_improvement(page):
    table = page.locator("#s-compare table")
    rows = {r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()
            for r in table.locator("tr").all() if r.locator("td").count()}
    for name in ("Words per minute", "Selections per minute", "Keystroke savings",
                 "Corrections per 100 selections", "Mean length of utterance (words)"):
        cls = table.locator("tr", has_text=name).first.locator("td").nth(3).get_attribute("class")
        assert "better" in cls, (name, rows[name])
    earlier, later = float(rows["Words"][1]), float(rows["Words"][2])
    assert later > earlier
    # the better/worse colours are real colours in the browser, not just class names
    colour = table.locator("td.better").first.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(0, 100, 0)"


def test_prints_to_pdf(page, tmp_path):
    pdf = tmp_path / "report.pdf"
    page.emulate_media(media="print")
    headings_kept = page.evaluate(
        "[...document.querySelectorAll('h2')].every(h => getComputedStyle(h.parentElement).breakInside == 'avoid')")
    assert headings_kept  # each heading travels with its first block on paper
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.emulate_media(media="screen")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page>") + \
        data.count(b"/Type /Page ") >= 6
    _keep(pdf, "report.pdf")
