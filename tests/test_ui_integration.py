"""Board integration follow-ups: Cyrillic glyphs, text on custom tile colours, theme precedence,
runtime layout switching. Real pygame surfaces, real shipped layouts, real profile."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


import pygame
import pytest

from aac.layouts.themes import THEMES, contrast_ratio
from aac.store.profile import Profile
from aac.ui import fonts
from aac.ui.app import BoardApp
from aac.ui.render import rgb


@pytest.fixture(autouse=True)
def _pygame():
    pygame.display.init()
    pygame.font.init()
    yield


def make_app(tmp_path, layout="default", **settings):
    profile = Profile.open(tmp_path / "profile")
    for key, value in settings.items():
        profile.set(key, value)
    return BoardApp(profile, pygame.Surface((1280, 720)), layout_name=layout, clock=lambda: 100.0,
                    handle_events=False)


def surface_bytes(surf: pygame.Surface) -> bytes:
    return bytes(pygame.image.tobytes(surf, "RGB"))


# ---------------------------------------------------------------- 1. Cyrillic glyphs
def test_primary_font_lacks_cyrillic_and_has_glyphs_says_so():
    primary = fonts.font_path(True)
    if primary is None or fonts.dejavu_path() is None:
        pytest.skip("needs Atkinson Hyperlegible and DejaVu installed")
    assert fonts.has_glyphs(primary, "Hello")
    assert not fonts.has_glyphs(primary, "Привет")  # pygame's metrics() said True here: tofu
    assert fonts.has_glyphs(fonts.dejavu_path(), "Привет")


def test_cyrillic_label_is_drawn_with_real_glyphs_not_tofu_boxes():
    book = fonts.FontBook(bold=True)
    if book.fallback is None:
        pytest.skip("DejaVu not installed")
    assert book.path_for("Сказать") == book.fallback
    assert book.path_for("Speak") == book.primary
    # Each Cyrillic letter rendered by the chosen font differs from that font's missing-glyph box.
    font = book.font(40, "П")
    tofu = surface_bytes(font.render("\uffff", True, (255, 255, 255), (0, 0, 0)))
    for ch in "Пжщё":
        assert surface_bytes(book.font(40, ch).render(ch, True, (255, 255, 255), (0, 0, 0))) != tofu
    # Two different letters must not render identically (tofu boxes all look the same).
    zh = book.font(40, "Ж").render("Ж", True, (255, 255, 255), (0, 0, 0))
    sha = book.font(40, "Ш").render("Ш", True, (255, 255, 255), (0, 0, 0))
    assert surface_bytes(zh) != surface_bytes(sha)


def test_regular_fallback_is_the_regular_dejavu():
    book = fonts.FontBook(bold=False)
    if book.fallback is None:
        pytest.skip("DejaVu not installed")
    assert book.fallback.name == "DejaVuSans.ttf"


# ---------------------------------------------------------------- 2. text on custom tile colours
LIGHT_TILE_LAYOUT = """
[layout]
name = "pastel"
theme = "high-contrast"

[[page]]
name = "home"
rows = 2
cols = 3

[[page.tile]]
kind = "message"
row = 0
col = 0
col_span = 2

[[page.tile]]
kind = "phrase"
label = "Yes"
value = "yes"
color = "#ffe0a0"
row = 1
col = 0

[[page.tile]]
kind = "phrase"
label = "No"
value = "no"
row = 1
col = 1

[[page.tile]]
kind = "action"
action = "pause"
row = 0
col = 2
"""


def test_tile_with_its_own_light_colour_gets_readable_text(tmp_path):
    path = tmp_path / "pastel.toml"
    path.write_text(LIGHT_TILE_LAYOUT, encoding="utf-8")
    app = make_app(tmp_path, layout=str(path))
    try:
        assert not app.layout_problems
        view = app.frame_view(100.0)
        own = next(b for b in app.boxes if b.tile.label == "Yes")
        plain = next(b for b in app.boxes if b.tile.label == "No")
        own_text = app.renderer.tile_look(own, view)[7]
        plain_text = app.renderer.tile_look(plain, view)[7]
        theme = app.theme
        assert plain_text == rgb(theme.tile_text)
        hexed = "#{:02x}{:02x}{:02x}".format(*own_text)
        assert contrast_ratio(hexed, "#ffe0a0") >= 4.5
        assert contrast_ratio(theme.tile_text, "#ffe0a0") < 4.5  # yellow on pastel: the old bug
        # and the drawn tile really has that colour in it
        app.step(100.0)
        sub = app.surface.subsurface(pygame.Rect(own.rect))
        seen = {tuple(sub.get_at((i, j)))[:3] for i in range(0, own.rect[2], 2) for j in range(0, own.rect[3], 2)}
        assert own_text in seen
    finally:
        app.close()


# ---------------------------------------------------------------- 3. theme precedence
INLINE_THEME_LAYOUT = LIGHT_TILE_LAYOUT.replace('theme = "high-contrast"\n', "") + """
[theme]
base = "high-contrast"
word_tile = "#123456"
"""


def test_settings_theme_keeps_the_layouts_own_colours(tmp_path):
    path = tmp_path / "inline.toml"
    path.write_text(INLINE_THEME_LAYOUT, encoding="utf-8")
    other = next(n for n in THEMES if n != "high-contrast")
    app = make_app(tmp_path, layout=str(path), theme=other)
    try:
        assert not app.layout_problems
        assert app.layout.theme.word_tile == "#123456"
        assert app.theme.word_tile == "#123456"  # the layout's own colour survives
        assert app.theme.background == THEMES[other].background  # the rest from settings
        assert app.theme.name == other
    finally:
        app.close()


def test_settings_theme_applies_fully_to_a_layout_without_own_colours(tmp_path):
    other = next(n for n in THEMES if n != "high-contrast")
    app = make_app(tmp_path, theme=other)
    try:
        assert app.theme == THEMES[other]
    finally:
        app.close()


# ---------------------------------------------------------------- 4. switching layouts at runtime
def test_switching_to_a_broken_layout_keeps_the_current_board(tmp_path):
    app = make_app(tmp_path, layout="ru-default")
    try:
        before = app.layout
        broken = tmp_path / "broken.toml"
        broken.write_text("[layout]\nname = 'x'\n[[page]]\nname = 'home'\nrows = 'many'\n", encoding="utf-8")
        assert not app.switch_layout(str(broken))
        assert app.layout is before  # still the person's own (Russian) board, not "default"
        assert app.layout_problems
        assert any("broken.toml" in line for line in app.frame_view(100.0).status)
        assert app.switch_layout("large")
        assert app.layout.name != before.name
    finally:
        app.close()


def test_changing_other_settings_does_not_reload_the_layout(tmp_path):
    app = make_app(tmp_path, layout="ru-default")
    try:
        before = app.layout
        app.profile.set("dwell_ms", 1200)
        app.apply_settings()
        assert app.layout is before  # display name "Русская ..." != setting "default" must not reload
        app.profile.set("layout", "large")
        app.apply_settings()
        assert app.layout is not before
    finally:
        app.close()


# ---------------------------------------------------------------- 5. gaze integration
class SimClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def gaze_app(tmp_path, pointer, clock, layout="default", size=(1280, 720), **kw):
    from aac.gaze.factory import make_source
    from aac.gaze.source import FailoverSource

    profile = Profile.open(tmp_path / "profile")
    fo = FailoverSource([lambda: make_source("mouse", size, pointer=pointer, clock=clock)], clock=clock,
                        failover_s=60.0)
    fo.start()
    surface = pygame.display.set_mode(size)
    return BoardApp(profile, surface, layout_name=layout, clock=clock, source=fo, source_name="mouse",
                    handle_events=False, **kw)


def test_lost_gaze_cancels_the_dwell_and_says_so(tmp_path):
    clock = SimClock()
    where: list = [None]
    app = gaze_app(tmp_path, lambda: where[0], clock)
    try:
        box = next(b for b in app.boxes if b.kind == "phrase")
        where[0] = box.center
        for _ in range(40):  # ~0.66 s of a 1 s dwell
            clock.t += 1 / 60
            app.step(clock.t)
        view = app.frame_view(clock.t)
        assert view.dwell_id == box.id and view.dwell_progress > 0.1
        where[0] = None  # the tracker loses the eyes
        for _ in range(60):
            clock.t += 1 / 60
            app.step(clock.t)
        assert app.source.lost and app.controller.gaze_lost
        assert app.frame_view(clock.t).dwell_progress == 0.0
        assert any("cannot see your eyes" in line for line in app.status_lines(clock.t))
        where[0] = box.center  # eyes back on the same tile: the old dwell does not complete
        for _ in range(20):
            clock.t += 1 / 60
            app.step(clock.t)
        assert not app.controller.gaze_lost
        assert app.frame_view(clock.t).dwell_progress < 0.34  # did not resume the interrupted dwell
        assert not [a for a in app.activations if a.box_id == box.id]
    finally:
        app.close()
        pygame.display.quit()


def test_small_tiles_for_the_measured_accuracy_show_a_warning(tmp_path):
    profile = Profile.open(tmp_path / "profile")
    profile.save_calibration({"accuracy_deg": 4.0, "accuracy_px": 150.0, "precision_deg": 1.0,
                              "method": "poly-ridge", "pattern": "9-point", "source": "webcam",
                              "min_tile_deg": 9.0, "min_tile_fraction": [0.2, 0.3], "regions": {}})
    app = BoardApp(profile, pygame.Surface((1280, 720)), layout_name="default", clock=lambda: 100.0,
                   handle_events=False)
    try:
        assert "large" in app.controller.tile_warning and "4.0 degrees" in app.controller.tile_warning
        assert app.controller.tile_hint in app.status_lines(100.0) and "'large'" in app.controller.tile_hint
    finally:
        app.close()


def test_the_board_keeps_drawing_while_the_next_input_opens(tmp_path):
    """The tracker goes silent; the next input takes a real second to open. Every frame still
    comes at once, says why there is no gaze, and runs no dwell; then the new input is used."""
    import threading
    import time as _time

    from aac.gaze.factory import make_source
    from aac.gaze.source import FailoverSource, NullSource

    clock = SimClock()
    size = (1280, 720)
    opening = threading.Event()

    class SilentTracker(NullSource):
        expects_data = True

        def poll(self):
            return []

    def slow_mouse():
        opening.set()
        _time.sleep(1.0)  # a webcam and its face model opening
        return make_source("mouse", size, pointer=lambda: (640, 360), clock=clock)

    fo = FailoverSource([SilentTracker("tobii"), slow_mouse], clock=clock, failover_s=2.0, retry_primary_s=None)
    fo.start()
    app = BoardApp(Profile.open(tmp_path / "profile"), pygame.display.set_mode(size), layout_name="default",
                   clock=clock, source=fo, source_name="tobii", handle_events=False)
    try:
        while not fo.switching:
            clock.t += 1 / 60
            app.step(clock.t)
        assert opening.wait(2.0)
        slowest = 0.0
        for _ in range(20):
            t0 = _time.perf_counter()
            clock.t += 1 / 60
            app.step(clock.t)
            slowest = max(slowest, _time.perf_counter() - t0)
        assert fo.switching and slowest < 0.5, "no frame waited for the opening device (1 s)"
        assert any("Switching to the next input" in line for line in app.status_lines(clock.t))
        assert app.frame_view(clock.t).dwell_progress == 0.0
        fo._switch_thread.join(3.0)
        clock.t += 1 / 60
        app.step(clock.t)
        assert not fo.switching and fo.current is not None and fo.current.name == "mouse"
        assert any("Switched to mouse" in line for line in app.status_lines(clock.t))
    finally:
        app.close()
        pygame.display.quit()


def test_calibrate_tile_calibrates_in_the_board_window_and_rebuilds_the_source(tmp_path):
    from aac.gaze.factory import make_source
    from aac.gaze.source import FailoverSource

    clock = SimClock()
    holder: dict = {"run": None}
    size = (800, 600)

    def pointer():
        run = holder["run"]
        tgt = run.target(clock()) if run is not None else None
        return (tgt[0][0] * size[0] + 10, tgt[0][1] * size[1] - 8) if tgt else (400, 300)

    built: list = []

    def factory(calibration):
        built.append(calibration)
        src = FailoverSource([lambda: make_source("mouse", size, pointer=pointer, clock=clock,
                                                  calibration=calibration)], clock=clock)
        src.start()
        return src

    def hook(run, now):
        holder["run"] = run
        clock.t += 1 / 60

    app = gaze_app(tmp_path, pointer, clock, size=size, source_factory=factory)
    try:
        first_source = app.source
        app.calibrate_options = {"pattern": "5-point", "frame_hook": hook, "realtime": False, "auto_accept": True}
        app.calibrate()
        assert app.profile.calibration is not None
        assert built and built[0]["accuracy_deg"] == app.profile.calibration["accuracy_deg"]
        assert app.source is not first_source
        assert any("Calibration saved" in line for line in app.status_lines(clock.t))
        assert pygame.display.get_init()
        clock.t += 1 / 60
        app.step(clock.t)  # the board goes on
    finally:
        app.close()
        pygame.display.quit()


# ---------------------------------------------------------------- 6. speech integration
def speech_app(tmp_path, **settings):
    from aac.speech.speaker import RecordingSpeaker

    profile = Profile.open(tmp_path / "profile")
    for key, value in settings.items():
        profile.set(key, value)
    speaker = RecordingSpeaker()
    app = BoardApp(profile, pygame.Surface((1280, 720)), layout_name="default", clock=lambda: 100.0,
                   speaker=speaker, handle_events=False)
    return app, speaker


def type_word(app, word):
    app.set_page("keyboard")
    for ch in word:
        box = next(b for b in app.boxes if b.kind == "letter" and b.tile.value == ch)
        app.activate_box(box.id)


def tap(app, kind, **attrs):
    box = next(b for b in app.boxes if b.kind == kind and all(getattr(b.tile, k) == v for k, v in attrs.items()))
    app.activate_box(box.id)


def test_speak_each_word_says_a_typed_word_when_the_space_finishes_it(tmp_path):
    app, speaker = speech_app(tmp_path, speak_each_word=True)
    try:
        type_word(app, "hi")
        assert speaker.spoken == []  # not while typing letters (the old code never said typed words)
        tap(app, "action", action="space")
        assert speaker.spoken == ["Hi"]
    finally:
        app.close()


def test_sentence_end_says_the_sentence_once(tmp_path):
    app, speaker = speech_app(tmp_path, speak_each_word=True, speak_on_sentence_end=True)
    try:
        type_word(app, "no")
        tap(app, "punct", value=".")
        assert speaker.spoken == ["No."]  # the sentence, not the word and then the sentence
    finally:
        app.close()


def test_history_tile_shows_spoken_messages_and_one_selection_says_one_again(tmp_path):
    app, speaker = speech_app(tmp_path)
    try:
        for msg in ("hello", "yes"):
            type_word(app, msg)
            app.set_page(app.layout.home.name)
            tap(app, "action", action="speak")
        assert speaker.spoken == ["Hello", "Yes"]
        app.controller.open_history()
        assert app.page_name == "__history__"
        tiles = [b for b in app.boxes if b.kind == "history"]
        assert [b.tile.label for b in tiles] == ["Yes", "Hello"]  # newest first
        assert all(t.enabled for t in app.targets() if t.id in {b.id for b in tiles})
        app.step(100.0)  # draws (real frame) with the history tiles
        app.activate_box(tiles[1].id)
        assert speaker.spoken[-1] == "Hello"
        assert app.session.text == ""  # re-speaking does not write into the message
        assert [b.tile.label for b in app.boxes if b.kind == "history"] == ["Hello", "Yes"]
        back = next(b for b in app.boxes if b.kind == "page")
        app.activate_box(back.id)
        assert app.page_name == app.layout.home.name
    finally:
        app.close()


def test_history_is_kept_in_the_profile_only_with_text_logging(tmp_path):
    from aac.ui.history_file import HISTORY_FILE

    app, _ = speech_app(tmp_path, text_logging=True)
    try:
        type_word(app, "water")
        app.set_page(app.layout.home.name)
        tap(app, "action", action="speak")
    finally:
        app.close()
    path = tmp_path / "profile" / HISTORY_FILE
    assert path.is_file() and (path.stat().st_mode & 0o777) == 0o600
    app, _ = speech_app(tmp_path)  # same profile, text logging still on
    try:
        assert app.controller.history.items() == ["Water"]
        app.profile.set("text_logging", False)
        app.apply_settings()
        assert not path.exists()  # turned off: the message text leaves the disk
    finally:
        app.close()
    app, _ = speech_app(tmp_path)
    try:
        assert app.controller.history.items() == []
    finally:
        app.close()


def test_speaker_status_is_shown(tmp_path):
    from aac.speech.speaker import NullSpeaker

    profile = Profile.open(tmp_path / "profile")
    app = BoardApp(profile, pygame.Surface((1280, 720)), layout_name="default", clock=lambda: 100.0,
                   speaker=NullSpeaker("no speech engine: install espeak-ng"), handle_events=False)
    try:
        assert "no speech engine: install espeak-ng" in app.status_lines(100.0)
    finally:
        app.close()


# ---------------------------------------------------------------- 7. language
def test_russian_profile_gets_the_russian_pack_layout_voice_and_logs_the_language(tmp_path):
    import sqlite3

    from aac.store.usage_log import UsageLog
    from aac.ui.language_choice import effective_voice

    profile = Profile.open(tmp_path / "profile")
    profile.set("language", "ru")  # layout and voice left at their defaults
    assert effective_voice(profile.settings) == "ru-default"
    log = UsageLog(profile)
    app = BoardApp(profile, pygame.Surface((1280, 720)), clock=lambda: 100.0, usage_log=log, handle_events=False)
    try:
        assert app.layout.language == "ru"
        assert any(b.tile.label == "Сказать" for b in app.boxes)
    finally:
        app.close()
    with sqlite3.connect(profile.usage_db) as db:
        assert db.execute("SELECT language FROM sessions").fetchall() == [("ru",)]


def test_an_explicit_layout_and_voice_win_over_the_language_pack(tmp_path):
    from aac.ui.language_choice import effective_layout, effective_voice

    profile = Profile.open(tmp_path / "profile")
    profile.set("language", "ru")
    profile.set("layout", "ru-large")
    assert effective_layout(profile.settings) == "ru-large"
    profile.set("language", "en")
    profile.set("layout", "ru-default")  # another language's pack layout: not an explicit choice
    assert effective_layout(profile.settings) == "default"
    profile.set("voice", "en-slow")
    assert effective_voice(profile.settings) == "en-slow"


def test_changing_the_language_at_runtime_switches_the_keyboard(tmp_path):
    app = make_app(tmp_path, layout=None)
    try:
        assert app.layout.language == "en"
        app.profile.set("language", "ru")
        app.apply_settings()
        assert app.layout.language == "ru"
    finally:
        app.close()


# ---------------------------------------------------------------- 8. predictions on time
class RequestLog:
    """The prediction service's interface (request/latest/learn), recording what was asked."""

    ready = True
    error = None

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def request(self, context: str, prefix: str) -> None:
        self.requests.append((context, prefix))

    def latest(self):
        return None

    def peek(self, context: str, prefix: str) -> None:
        pass

    def peeked(self, context: str, prefix: str):
        return None

    def learn(self, sentence: str) -> None:
        pass

    def close(self) -> None:
        pass


def test_every_context_change_requests_predictions_at_once(tmp_path):
    service = RequestLog()
    profile = Profile.open(tmp_path / "profile")
    app = BoardApp(profile, pygame.Surface((1280, 720)), layout_name="default", clock=lambda: 100.0,
                   service=service, handle_events=False)
    try:
        assert service.requests[-1] == ("", "")
        type_word(app, "he")  # clicks/scans activate outside a frame: no step() in between
        assert service.requests[-1] == app.session.context_and_prefix()
        assert app.session.context_and_prefix()[1].lower() == "he"
        n = len(service.requests)
        app.step(100.0)  # nothing changed: no duplicate request
        assert len(service.requests) == n
    finally:
        app.close()


def test_a_frame_slowed_by_the_model_is_charged_its_real_time():
    from aac.ui.simulate import FRAME_S, sim_frame_seconds

    assert sim_frame_seconds(False, 0.5, 10.0) == FRAME_S  # the board's own slowness is not the model
    assert sim_frame_seconds(True, 0.001, 10.0) == FRAME_S
    assert sim_frame_seconds(True, 0.2, 10.0) == pytest.approx(2.0)  # 200 ms real at speed 10
    assert sim_frame_seconds(True, 0.2, 1.0) == pytest.approx(0.2)


def test_predictions_off_status_is_in_the_boards_language(tmp_path):
    """With no prediction service (``--no-model``) the status line has no English in a Russian board."""
    for layout, expected in (("ru-default", "Подсказки недоступны (выключены в этом сеансе)"),
                             ("default", "Predictions unavailable (turned off for this session)")):
        app = make_app(tmp_path / layout, layout=layout)
        try:
            assert app.service is None
            app.step(100.0)
            lines = app.status_lines(100.0)
            assert lines and lines[0].startswith(expected), lines
        finally:
            app.close()
