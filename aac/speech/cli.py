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
    vsub = v.add_subparsers(dest="voices_cmd", metavar="bank")
    bank = vsub.add_parser("bank", help="the person's own recorded messages (import, list, play, remove)",
                           description="Recorded messages in the person's own voice, played instead of synthesis.")
    bsub = bank.add_subparsers(dest="bank_cmd", required=True, metavar="import|list|play|remove")
    imp = bsub.add_parser("import", help="check a WAV/FLAC/OGG recording and store it in the profile")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--phrase", required=True, help="the words the recording says")
    imp.add_argument("--name", help='name used by layouts (recording = "NAME"); default from the phrase')
    imp.add_argument("--replace", action="store_true", help="replace a recording of the same name")
    imp.set_defaults(func=cmd_bank_import)
    lst = bsub.add_parser("list", help="list the profile's recordings")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_bank_list)
    play = bsub.add_parser("play", help="play a recording (as the board would)")
    play.add_argument("name", metavar="NAME")
    play.set_defaults(func=cmd_bank_play)
    rm = bsub.add_parser("remove", help="delete a recording")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=cmd_bank_remove)
    for sp in (imp, lst, play, rm):
        sp.add_argument("--profile", default=None, help="profile name or folder (default: default)")


def _bank(args: argparse.Namespace):
    """The profile's VoiceBank, or None after printing why the profile cannot be opened."""
    from aac.speech.bank import VoiceBank
    from aac.store import ProfileError, resolve_profile

    try:
        prof = resolve_profile(args.profile, create=args.profile is None)
    except (ProfileError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return VoiceBank(prof.dir)


def cmd_bank_import(args: argparse.Namespace) -> int:
    from aac.speech.bank import BankError

    bank = _bank(args)
    if bank is None:
        return 1
    try:
        rec = bank.import_file(args.file, args.phrase, name=args.name, replace=args.replace)
    except BankError as exc:
        print(f"error: {exc}; nothing was stored", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot store the recording in {bank.dir}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for w in rec.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"stored {rec.name!r}: \"{rec.phrase}\", {rec.duration:.2f} s, peak {rec.peak_dbfs} dBFS, "
          f"RMS {rec.rms_dbfs} dBFS -> {bank.dir / rec.file}")
    print(f'use it on a phrase tile: recording = "{rec.name}"')
    return 0


def cmd_bank_list(args: argparse.Namespace) -> int:
    import json

    from aac.speech.bank import BankError

    bank = _bank(args)
    if bank is None:
        return 1
    try:
        recs = bank.list()
    except BankError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(bank.summary(), ensure_ascii=False))
        return 0
    if not recs:
        print("no recorded messages yet (aac voices bank import FILE --phrase \"...\")")
    for r in recs:
        print(f"  {r.name:<24} {r.duration:6.2f} s  \"{r.phrase}\"")
    return 0


def cmd_bank_play(args: argparse.Namespace) -> int:
    from aac.speech.speaker import WorkerSpeaker
    from aac.speech.voices import load_voice_or_default

    bank = _bank(args)
    if bank is None:
        return 1
    rec = bank.get(args.name)
    path = bank.path(rec) if rec else None
    if rec is None or path is None:
        print(f"error: no recording named {args.name!r}" + bank._names_hint(bank.list()), file=sys.stderr)
        return 1
    speaker = WorkerSpeaker(load_voice_or_default("en-espeak")[0])
    try:
        speaker.speak(rec.phrase, recording=path)
        speaker.wait_idle(timeout=rec.duration + 30.0)
        record = speaker.records[-1] if speaker.records else None
        if record is None or record.outcome != "played":
            print(speaker.status or "not played", file=sys.stderr)
            return 3 if record is not None and record.outcome == "no-audio" else 1
        return 0
    finally:
        speaker.close(wait=True)


def cmd_bank_remove(args: argparse.Namespace) -> int:
    from aac.speech.bank import BankError

    bank = _bank(args)
    if bank is None:
        return 1
    try:
        rec = bank.remove(args.name)
    except BankError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"removed {rec.name!r} (\"{rec.phrase}\")")
    return 0


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


#: What `aac voices` says about each engine's licence (see voices/README.md "Licences").
ESPEAK_LICENCE = "espeak-ng: GPL-3.0-or-later (loaded by pyttsx3, MPL-2.0)"


def _engines_section(engine_voices: list, engine_error: str) -> list[str]:
    """Lines describing the engines, whether each works here, their voices and licences."""
    from aac.speech.piper_engine import (
        ENGINE_LICENCE,
        VOICE_PACKAGES,
        installed_voices,
        piper_status,
    )

    lines = ["Engines:"]
    why = piper_status()
    natural = installed_voices() if not why else []
    state = "installed" if natural else (why or "no voice package installed")
    lines.append(f"  piper      natural (neural) voices - {state}; licence {ENGINE_LICENCE}")
    for v in natural:
        lines.append(f"    {v.id:<22} {v.language}  {v.description}; {v.licence}")
    for vid, (pkg, lang, _lic, _desc) in VOICE_PACKAGES.items():
        if vid not in {v.id for v in natural}:
            lines.append(f"    {vid:<22} {lang}  not installed (pip install {pkg.replace('_', '-')})")
    espeak_state = f"unavailable: {engine_error}" if engine_error else f"{len(engine_voices)} voices"
    lines.append(f"  espeak     espeak-ng through pyttsx3 (the system voice on Windows/macOS) - {espeak_state};"
                 f" licence {ESPEAK_LICENCE}")
    return lines


def _profile_problem(prof, engine_voices: list, driver: str | None) -> str:
    """Why a profile's voice is not available here ("" when it is)."""
    from aac.speech.pyttsx3_worker import _Synth
    from aac.speech.voices import VoiceNotFound, resolve_engine_voice

    if prof.natural:
        from aac.speech.piper_engine import find_voice, piper_status

        why = piper_status()
        if not why:
            try:
                find_voice(prof.voice_id)
            except LookupError as exc:
                why = str(exc)
        if not why:
            return ""
        return f"natural voice unavailable ({why}); speaks with espeak-ng {prof.fallback or prof.language}"
    if engine_voices and _Synth.driver_name(prof.driver) == _Synth.driver_name(driver):
        try:
            resolve_engine_voice(prof.voice_id, prof.language, engine_voices, strict=True)
        except VoiceNotFound as exc:
            return str(exc)
    return ""


def cmd_voices(args: argparse.Namespace) -> int:
    from aac.speech.synth import SynthesisError, list_engine_voices
    from aac.speech.voices import VoiceError, available_profiles, load_voice

    try:
        engine_voices = list_engine_voices(args.driver)
        engine_error = ""
    except SynthesisError as exc:
        engine_voices, engine_error = [], str(exc)
    rc = 0
    for line in _engines_section(engine_voices, engine_error):
        print(line)
    print("\nVoice profiles (voices/*.toml):")
    for name in available_profiles():
        try:
            prof = load_voice(name)
        except VoiceError as exc:
            rc = 1
            print(f"  {name:<14} BROKEN")
            for problem in exc.problems:
                print(f"      {problem}")
            continue
        problem = _profile_problem(prof, engine_voices, args.driver)
        if problem and not prof.natural:  # a natural voice that is missing still speaks (fallback)
            rc = 1
        state = f"  !! {problem}" if problem else ""
        pitch = f", pitch {prof.pitch}" if prof.pitch is not None else ""
        fallback = f", fallback {prof.fallback}" if prof.natural and prof.fallback else ""
        print(f"  {name:<14} [{prof.engine}] {prof.voice_id} ({prof.language}), {prof.rate} wpm, volume {prof.volume}"
              f"{pitch}{fallback} - {prof.description}{state}")
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
