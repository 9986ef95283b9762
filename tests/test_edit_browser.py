"""The board editor driven in a real browser (Debian's chromium through Playwright).

A caregiver's task from a fresh profile, by clicks and typing only: copy the default layout,
rename a tile, give it a picture, add a phrases page with six phrases linked from home, set the
dwell time to 1.2 s and let it adapt down to 0.8 s, choose the new board, save. Then the saved
file passes `aac layout check`, the board loads it for the profile, and the board's renderer
draws it (PNG saved and looked at).

Set AAC_SCREENSHOT_DIR to keep the editor and board screenshots (docs/screenshots/ was made so).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHRASES = [("Tea", "I would like a cup of tea."), ("Tired", "I am tired."), ("Music", "Please put on some music."),
           ("Window", "Please open the window."), ("Thanks", "Thank you."), ("Later", "Can we talk later?")]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")]


@pytest.fixture
def editor(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    from aac.edit.server import RunningEditor
    from aac.store.profile import Profile

    running = RunningEditor(Profile.create("anna")).start()
    yield running
    running.stop()


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def picture_file(tmp_path: Path) -> Path:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    surf = pygame.Surface((300, 200), pygame.SRCALPHA)
    pygame.draw.circle(surf, (250, 200, 20), (150, 100), 90)  # a sun
    pygame.draw.circle(surf, (30, 30, 30), (120, 80), 12)
    pygame.draw.circle(surf, (30, 30, 30), (180, 80), 12)
    pygame.draw.arc(surf, (30, 30, 30), (100, 90, 100, 60), 3.5, 5.9, 8)
    path = tmp_path / "smile.png"
    pygame.image.save(surf, str(path))
    return path


def open_own_copy(editor, browser, name: str = "anna"):
    """The editor in a 1280x800 window, the shipped default copied as the caregiver's ``name``;
    returns the page and the list the page's script errors are collected in."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(editor.url)
    page.wait_for_selector("#grid .tile")
    page.click("#copyBtn")
    page.fill("#nameInput", name)
    page.click("#nameOk")
    expect(page.locator("#status")).to_contain_text("You can edit it now", timeout=20000)
    return page, errors


def test_caregiver_task_by_clicks_and_typing(editor, browser, tmp_path):
    shots = Path(os.environ["AAC_SCREENSHOT_DIR"]) if os.environ.get("AAC_SCREENSHOT_DIR") else tmp_path
    from playwright.sync_api import expect

    # 1. copy the shipped default layout as "anna"
    page, errors = open_own_copy(editor, browser)
    assert page.input_value("#layoutSelect") == "anna"

    # 2. rename the "Yes" tile and give it a picture (through the file chooser)
    page.get_by_role("button", name=re.compile(r"^phrase tile: Yes, ")).click()
    page.fill("#tLabel", "Yes please")
    page.press("#tLabel", "Tab")
    with page.expect_file_chooser() as chooser:
        page.click("#tPicFile")
    chooser.value.set_files(str(picture_file(tmp_path)))
    expect(page.locator("#status")).to_contain_text("Picture added", timeout=20000)
    page.wait_for_selector("#tPic[src^='blob:']")

    # 3. a phrases page linked from home, with six phrases
    page.click("#addPageBtn")
    page.fill("#nameInput", "my phrases")
    page.click("#nameOk")
    expect(page.locator("#status")).to_contain_text("A link to it is on the home page", timeout=20000)
    for label, said in PHRASES:
        page.click("#addPhraseBtn")
        last = page.locator("#phraseList li").last
        last.locator("input").nth(0).fill(label)
        last.locator("input").nth(0).press("Tab")
        last = page.locator("#phraseList li").last
        last.locator("input").nth(1).fill(said)
        last.locator("input").nth(1).press("Tab")
    assert page.locator("#phraseList li").count() == 6

    page.fill("#lName", "Anna's board")
    page.press("#lName", "Tab")

    # 4. settings: dwell time 1.2 s, and the person uses the new board
    page.fill("#sDwell", "1.2")
    page.press("#sDwell", "Tab")
    assert page.is_disabled("#sAdaptMin")  # the bounds matter only with the adaptive dwell on
    page.check("#sAdaptive")
    expect(page.locator("#sAdaptMin")).to_be_enabled()
    page.fill("#sAdaptMin", "0.8")
    page.press("#sAdaptMin", "Tab")
    assert page.is_checked("#sNextWords")  # next words on the tile being chosen: on by default
    page.uncheck("#sNextWords")
    assert not page.is_checked("#sSpeakSentence")  # say each sentence as it ends: off by default
    page.check("#sSpeakSentence")
    page.select_option("#sLayout", "anna")
    expect(page.locator("#problems")).to_have_text("", timeout=20000)
    page.wait_for_selector("#preview[src^='blob:']")

    # 5. undo / redo work on the last edit, then save
    page.click("#undoBtn")
    assert page.input_value("#sLayout") == "default"
    page.click("#redoBtn")
    assert page.input_value("#sLayout") == "anna"
    page.click("#saveBtn")
    expect(page.locator("#status")).to_contain_text("Settings saved", timeout=20000)
    assert "saved anna.toml" in page.text_content("#status")
    assert not errors
    page.get_by_role("button", name=re.compile(r"^home")).click()
    page.get_by_role("button", name=re.compile(r"^phrase tile: Yes please, ")).click()
    page.wait_for_selector("#tPic[src^='blob:']")
    page.locator("header").scroll_into_view_if_needed()
    page.wait_for_selector("#preview[src^='blob:']")
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "editor-1280x800.png"))

    # a change the checker refuses: its message appears at the tile, Save refuses, Undo repairs
    page.click("#moveRight")  # "Yes please" onto "No"
    expect(page.locator("#tileMsg")).to_contain_text("overlaps", timeout=20000)
    page.click("#saveBtn")
    expect(page.locator("#status")).to_contain_text("not saved", timeout=20000)
    page.click("#undoBtn")
    expect(page.locator("#problems")).to_have_text("", timeout=20000)

    # narrow window: everything stacks, nothing needs sideways scrolling
    page.set_viewport_size({"width": 800, "height": 1000})
    page.get_by_role("button", name=re.compile(r"^my phrases")).click()
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    page.screenshot(path=str(shots / "editor-800px.png"))

    # the saved files: the checker passes, the board loads this layout for the profile and draws it
    from aac.cli import main
    from aac.layouts.loader import load_layout_or_default, user_layouts_dir
    from aac.store.profile import resolve_profile
    from aac.ui.page_preview import render_page_png

    assert main(["layout", "check", "anna"]) == 0
    profile = resolve_profile("anna", create=False)
    assert profile.settings.dwell_ms == 1200 and profile.settings.layout == "anna"
    assert profile.settings.adaptive_dwell and profile.settings.adaptive_dwell_min_ms == 800
    assert profile.settings.next_words_on_tile is False
    assert profile.settings.speak_on_sentence_end is True
    layout, problems = load_layout_or_default(profile.settings.layout)
    assert not problems and layout.source == user_layouts_dir() / "anna.toml"
    assert layout.name == "Anna's board"
    yes = next(t for t in layout.home.tiles if t.label == "Yes please")
    assert yes.picture_path is not None and yes.picture_path.read_bytes().startswith(b"\x89PNG")
    link = next(t for t in layout.home.tiles if t.kind == "page" and t.target == "my phrases")
    assert (link.row, link.col) == (6, 9)
    mine = layout.page("my phrases")
    assert [(t.label, t.value) for t in mine.tiles if t.kind == "phrase"] == PHRASES
    text = (user_layouts_dir() / "anna.toml").read_text()
    assert "# Speak the message." in text  # the shipped file's comments are still there
    for name, page_name in (("board-after-edit-home.png", "home"), ("board-after-edit-phrases.png", "my phrases")):
        png = render_page_png(layout, page_name, (1280, 720))
        (shots / name).write_bytes(png)
    import pygame

    board = pygame.image.load(str(shots / "board-after-edit-home.png"))
    assert board.get_size() == (1280, 720)


def test_recorded_message_attached_to_a_phrase_tile_by_clicks(editor, browser, tmp_path):
    """The person's own voice from the editor: a bad file is refused at the field, a real recording
    (espeak-ng speech standing in for the person's) is uploaded from the tile, played, and another
    one from the bank is attached instead; saved, the layout passes the check."""
    shots = Path(os.environ["AAC_SCREENSHOT_DIR"]) if os.environ.get("AAC_SCREENSHOT_DIR") else tmp_path
    from playwright.sync_api import expect

    from aac.speech.bank import VoiceBank
    from aac.speech.synth import synthesize_to_wav

    take = tmp_path / "yes.wav"
    synthesize_to_wav("Yes.", "en-espeak", take)
    hello = tmp_path / "hello.wav"
    synthesize_to_wav("Hello, it is so good to see you.", "en-espeak", hello)
    VoiceBank(editor.editor.profile.dir).import_file(hello, "Hello, it is so good to see you.")  # banked earlier
    bad = tmp_path / "notes.wav"
    bad.write_text("not a recording\n" * 50)

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(editor.url)
    page.wait_for_selector("#grid .tile")
    expect(page.locator("#recList")).to_contain_text("Hello, it is so good to see you.")
    page.click("#copyBtn")
    page.fill("#nameInput", "anna")
    page.click("#nameOk")
    expect(page.locator("#status")).to_contain_text("You can edit it now", timeout=20000)

    page.get_by_role("button", name=re.compile(r"^phrase tile: Yes, ")).click()
    expect(page.locator("#rowRecording")).to_be_visible()
    with page.expect_file_chooser() as chooser:
        page.click("#tRecFile")
    chooser.value.set_files(str(bad))
    expect(page.locator("#tRecMsg")).to_contain_text("not a sound file that can be read", timeout=20000)
    with page.expect_file_chooser() as chooser:
        page.click("#tRecFile")
    chooser.value.set_files(str(take))
    expect(page.locator("#status")).to_contain_text("attached to this tile", timeout=20000)
    assert page.input_value("#tRec") == "yes"
    expect(page.locator("#recList li")).to_have_count(2)
    page.click("#tRecPlay")
    page.wait_for_selector("#recAudio[src^='blob:']", state="attached")
    assert page.get_attribute("#recAudio", "data-name") == "yes"
    expect(page.locator("#tRecMsg")).to_contain_text("“yes”")  # "Playing “yes”." (or ready, if no sound)
    duration = page.evaluate("new Promise((ok) => { const a = document.getElementById('recAudio');"
                             " if (a.readyState >= 1) ok(a.duration); else a.onloadedmetadata = () => ok(a.duration); })")
    assert 0.3 < duration < 3  # the browser decoded the served WAV
    page.locator("#tilePanel").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "editor-recording-1280x800.png"), full_page=True)

    # the "No" tile gets the banked greeting instead (chosen from the list), then is detached again
    page.get_by_role("button", name=re.compile(r"^phrase tile: No, ")).click()
    page.select_option("#tRec", "hello-it-is-so-good-to-see-you")
    page.click("#tRecDetach")
    assert page.input_value("#tRec") == ""
    page.click("#undoBtn")  # attach it again
    page.get_by_role("button", name=re.compile(r"^phrase tile: No, ")).click()
    assert page.input_value("#tRec") == "hello-it-is-so-good-to-see-you"
    expect(page.locator("#problems")).to_have_text("", timeout=20000)
    page.click("#saveBtn")
    expect(page.locator("#status")).to_contain_text("saved anna.toml", timeout=20000)
    assert not errors
    page.set_viewport_size({"width": 800, "height": 1000})  # a tablet: the recording row still fits
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    page.locator("#recordingsPanel").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "editor-recording-800px.png"))

    from aac.cli import main
    from aac.layouts.loader import load_layout, user_layouts_dir

    assert main(["layout", "check", "anna"]) == 0
    layout = load_layout(user_layouts_dir() / "anna.toml")
    got = {t.label: t.recording for t in layout.home.tiles if t.kind == "phrase" and t.recording}
    assert got == {"Yes": "yes", "No": "hello-it-is-so-good-to-see-you"}


def test_a_layout_broken_in_a_text_editor_is_mended_by_clicks(editor, browser, tmp_path):
    """The board fell back to the last version that worked after a typo made in a text editor;
    the caregiver opens the layout here, sees what is wrong, and one Save puts the working
    version back (the broken file is kept next to it)."""
    shots = Path(os.environ["AAC_SCREENSHOT_DIR"]) if os.environ.get("AAC_SCREENSHOT_DIR") else tmp_path
    from playwright.sync_api import expect

    from aac.layouts.loader import load_layout_or_default, user_layouts_dir

    page, errors = open_own_copy(editor, browser)
    expect(page.locator("#recovered")).to_be_hidden()
    path = user_layouts_dir() / "anna.toml"
    broken = path.read_text().replace('kind = "message"', 'kind = "mesage"', 1)
    path.write_text(broken)
    layout, problems = load_layout_or_default("anna")  # what the board shows now
    assert "showing the last version that worked" in str(problems[-1])

    page.reload()
    page.wait_for_selector("#grid .tile")
    page.select_option("#layoutSelect", "anna")
    alert = page.locator("#recovered")
    expect(alert).to_be_visible(timeout=20000)
    expect(alert).to_contain_text("last version that worked")
    expect(alert).to_contain_text('unknown tile kind "mesage" (did you mean "message"?')
    expect(alert).to_contain_text("anna.toml.broken")
    expect(page.locator("#saveBtn")).to_have_text("Save")  # offered before any change
    page.screenshot(path=str(shots / "editor-broken-layout-1280x800.png"), full_page=True)
    page.set_viewport_size({"width": 800, "height": 1000})  # a tablet: the alert still reads
    page.wait_for_timeout(300)
    expect(alert).to_be_visible()
    page.screenshot(path=str(shots / "editor-broken-layout-800px.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click("#saveBtn")
    expect(page.locator("#status")).to_contain_text("saved anna.toml", timeout=20000)
    expect(alert).to_be_hidden()
    assert not errors
    assert (user_layouts_dir() / "anna.toml.broken").read_text() == broken
    layout, problems = load_layout_or_default("anna")
    assert not problems and layout.source == path
