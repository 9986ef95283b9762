"""``aac speak`` and ``aac voices``: try a voice from the command line, write a WAV, list voices.

Exit codes of ``aac speak``: 0 spoken (or WAV written with --wav), 1 bad input or no engine,
3 no audio device (the speech was written to a WAV file, whose path is printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("speak", help="speak text aloud or write it to a WAV file",
                              description="Speak TEXT with a voice profile, or write it to a WAV file.")
    p.add_argument("text", nargs="+", metavar="TEXT", help="what to say")
    p.add_argument("--voice", default="en-default", help="voice profile name or .toml path (default en-default)")
    p.add_argument("--wav", type=Path, metavar="PATH", help="write a WAV file instead of playing it")
    p.set_defaults(func=cmd_speak)

    v = subparsers.add_parser("voices", help="list voice profiles and the speech engine's voices",
                              description="List voice profiles (voices/*.toml) and check each one.")
    v.add_argument("--engine", action="store_true", help="also list every voice the engine offers")
    v.add_argument("--driver", default=None, help="pyttsx3 driver (default: the OS default)")
    v.set_defaults(func=cmd_voices)


def _load(name: str):
    from aac.speech.voices import VoiceError, load_voice

    try:
        return load_voice(name)
    except VoiceError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return None


def cmd_speak(args: argparse.Namespace) -> int:
    from aac.speech.synth import SynthesisError, synthesize_to_wav

    voice = _load(args.voice)
    if voice is None:
        return 1
    text = " ".join(args.text)
    if args.wav:
        try:
            info = synthesize_to_wav(text, voice, args.wav, strict=True)
        except SynthesisError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if info.warning:
            print(f"warning: {info.warning}", file=sys.stderr)
        print(f"{info.path}\t{info.duration:.2f} s\t{info.sample_rate} Hz\tvoice {info.voice_id}")
        return 0

    from aac.speech.speaker import WorkerSpeaker

    speaker = WorkerSpeaker(voice, keep_audio=True)  # the path is printed for the user
    try:
        speaker.speak(text)
        if not speaker.wait_idle(timeout=30.0 + 0.2 * len(text)):
            print("error: speech did not finish in time", file=sys.stderr)
            return 1
        record = speaker.records[-1] if speaker.records else None
        if record is None or record.outcome == "failed":
            print(f"error: {speaker.status or (record.detail if record else 'nothing was spoken')}", file=sys.stderr)
            return 1
        if record.outcome == "no-audio":
            print(speaker.status, file=sys.stderr)
            if speaker.audio_problem:
                print(f"  ({speaker.audio_problem})", file=sys.stderr)
            print(f"{record.wav}\t{record.duration:.2f} s")
            return 3
        if speaker.status:
            print(f"warning: {speaker.status}", file=sys.stderr)
        return 0
    finally:
        speaker.close(wait=True)


def cmd_voices(args: argparse.Namespace) -> int:
    from aac.speech.pyttsx3_worker import _Synth
    from aac.speech.synth import SynthesisError, list_engine_voices
    from aac.speech.voices import (
        VoiceError,
        VoiceNotFound,
        available_profiles,
        load_voice,
        resolve_engine_voice,
    )

    try:
        engine_voices = list_engine_voices(args.driver)
        engine_error = ""
    except SynthesisError as exc:
        engine_voices, engine_error = [], str(exc)
    rc = 0
    print("Voice profiles (voices/*.toml):")
    for name in available_profiles():
        try:
            prof = load_voice(name)
        except VoiceError as exc:
            rc = 1
            print(f"  {name:<14} BROKEN")
            for problem in exc.problems:
                print(f"      {problem}")
            continue
        state = ""
        if engine_voices and _Synth.driver_name(prof.driver) == _Synth.driver_name(args.driver):
            try:
                resolve_engine_voice(prof.voice_id, prof.language, engine_voices, strict=True)
            except VoiceNotFound as exc:
                rc = 1
                state = f"  !! {exc}"
        pitch = f", pitch {prof.pitch}" if prof.pitch is not None else ""
        print(f"  {name:<14} {prof.voice_id} ({prof.language}), {prof.rate} wpm, volume {prof.volume}{pitch}"
              f" - {prof.description}{state}")
    from aac.speech.playback import probe_player

    player, why = probe_player()
    print(f"\nAudio output: {player.name}" if player else
          f"\nAudio output: none ({why}); speech will be written to a WAV file and the board says where")
    if engine_error:
        print(f"\nspeech engine unavailable: {engine_error}")
        return 1
    if args.engine:
        print(f"\nEngine voices ({len(engine_voices)}; use the id as voice_id):")
        for v in sorted(engine_voices, key=lambda v: v.id):
            print(f"  {v.id:<28} {v.name:<36} {','.join(v.languages)}")
    else:
        print(f"\n{len(engine_voices)} engine voices available; list them with `aac voices --engine`.")
    return rc
