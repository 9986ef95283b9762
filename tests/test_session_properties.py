"""Property tests: any sequence of actions keeps the session consistent, and undo walks back
through exactly the texts that were shown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aac.session import Session, split_current_word

words = st.sampled_from(
    ["hello", "i", "i'm", "привет", "ёлка", "don't", "Paris", "a", "x9", "é"]
)
letters = st.sampled_from(list("abcxyzиёй'-1") + ["ch", "\u0438\u0306"])
puncts = st.sampled_from(list('.,!?;:()¿«»"-…'))
action = st.one_of(
    st.tuples(st.just("word"), words),
    st.tuples(
        st.just("ending"),
        st.sampled_from(["hello there.", "i think so", "как дела?", "ok!"]),
    ),
    st.tuples(st.just("chunk"), st.sampled_from(["of the", "going to"])),
    st.tuples(st.just("phrase"), st.sampled_from(["Thank you.", "i need help"])),
    st.tuples(st.just("letter"), letters),
    st.tuples(st.just("punct"), puncts),
    st.tuples(
        st.sampled_from(
            ["space", "delete_letter", "delete_word", "clear", "speak", "undo"]
        ),
        st.none(),
    ),
)


def _do(s: Session, name: str, arg) -> None:
    {
        "word": lambda: s.insert_word(arg),
        "ending": lambda: s.insert_ending(arg),
        "chunk": lambda: s.insert_chunk(arg),
        "phrase": lambda: s.phrase(arg),
        "letter": lambda: s.type_letter(arg),
        "punct": lambda: s.punctuation(arg),
        "space": s.space,
        "delete_letter": s.delete_letter,
        "delete_word": s.delete_word,
        "clear": s.clear,
        "speak": s.speak,
        "undo": s.undo,
    }[name]()


@settings(max_examples=150, deadline=None)
@given(actions=st.lists(action, max_size=40), lang=st.sampled_from(["en", "ru"]))
def test_any_action_sequence_is_consistent_and_fully_undoable(actions, lang) -> None:
    s = Session(clock=lambda: 0.0, language=lang)
    history = [""]  # the text after each change, for walking undo back
    for name, arg in actions:
        before = s.text
        _do(s, name, arg)
        events = s.drain_events()
        assert len(events) == 1
        ev = events[0]
        assert ev.extra.get("changed") == (s.text != before) or name in ("undo",)
        if name == "undo":
            if ev.extra["changed"]:
                history.pop()
            assert s.text == history[-1]
        elif s.text != before:
            history.append(s.text)
        context, prefix = s.context_and_prefix()
        assert context + prefix == s.text
        assert split_current_word(context)[1] == ""
        # After a word-like insertion the text always ends with exactly one space.
        if name in ("word", "ending", "chunk", "phrase"):
            assert s.text.endswith(" ") and not s.text.endswith("  ")
            assert prefix == ""
        if lang == "en" and name == "word" and arg in ("i", "i'm"):
            assert s.text.split()[-1].lstrip("([{«“\"'¿¡-") in ("I", "I'm")
    while s.can_undo:
        s.undo()
        history.pop()
        assert s.text == history[-1]
    assert s.text == ""
