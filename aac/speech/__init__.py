"""Speech: the composed text is spoken aloud, offline, without freezing the board.

Public API (see docs/INTERFACES.md "Speech"): :func:`make_speaker`, :class:`Speaker`,
:func:`load_voice`, :func:`synthesize_to_wav`, plus :class:`SpeechHistory` and
:class:`SpeechPolicy` for the board's speak-each-word / sentence-end / re-speak behaviour.
Imports are lazy so ``import aac.speech`` stays cheap (the worker child imports this package too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "NullSpeaker",
    "RecordingSpeaker",
    "Speaker",
    "SpeechHistory",
    "SpeechPolicy",
    "VoiceError",
    "VoiceProblem",
    "VoiceProfile",
    "WorkerSpeaker",
    "list_engine_voices",
    "load_voice",
    "load_voice_or_default",
    "make_speaker",
    "synthesize_to_wav",
]

_WHERE = {
    "Speaker": "speaker", "NullSpeaker": "speaker", "RecordingSpeaker": "speaker",
    "WorkerSpeaker": "speaker", "make_speaker": "speaker",
    "VoiceProfile": "voices", "VoiceError": "voices", "VoiceProblem": "voices",
    "load_voice": "voices", "load_voice_or_default": "voices",
    "synthesize_to_wav": "synth", "list_engine_voices": "synth",
    "SpeechHistory": "history", "SpeechPolicy": "policy",
}

if TYPE_CHECKING:  # pragma: no cover
    from aac.speech.history import SpeechHistory
    from aac.speech.policy import SpeechPolicy
    from aac.speech.speaker import (
        NullSpeaker,
        RecordingSpeaker,
        Speaker,
        WorkerSpeaker,
        make_speaker,
    )
    from aac.speech.synth import list_engine_voices, synthesize_to_wav
    from aac.speech.voices import (
        VoiceError,
        VoiceProblem,
        VoiceProfile,
        load_voice,
        load_voice_or_default,
    )


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"aac.speech.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'aac.speech' has no attribute {name!r}")
