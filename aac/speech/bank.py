"""The person's own recorded messages ("message banking"): checked, stored privately, played by name.

People with ALS often record messages in their own voice while they still can ("I love you",
their name for their partner, a joke). A phrase tile (layout key ``recording = "NAME"``) or a
history entry can then play the recording instead of synthesis (``Speaker.speak(text,
recording=path)``).

Import (``aac voices bank import FILE --phrase "..."``) accepts WAV, FLAC and OGG (read with
soundfile/libsndfile, by content, not by file name) and checks what a caregiver cannot hear on a
laptop at a bedside: length (0.3 s to 2 min), that it is not silent, clipping. A quiet recording
is raised to a peak of -1 dBFS (gain only: the voice itself is not changed); a clipped one is
kept with a warning (the person may not be able to record it again). It is stored as 16-bit mono
PCM WAV, so every audio player (aplay included) plays it and the speaker's no-audio fallback can
point at it. Files live in ``<profile>/recordings/`` (0700), each 0600, with ``index.json``
(written atomically); nothing is ever sent anywhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import unicodedata
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

from aac.fileio import atomic_write_bytes, atomic_write_json, ensure_private_dir

#: A recording's name: what a layout's ``recording = "..."`` refers to (no paths: the recording
#: always comes from the person's own profile).
RECORDING_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
FORMATS = ("WAV", "WAVEX", "FLAC", "OGG")
MIN_SECONDS = 0.3
MAX_SECONDS = 120.0
MAX_BYTES = 100_000_000
#: Below this peak a file is treated as silence (a muted microphone, an empty take).
SILENT_PEAK_DBFS = -45.0
#: A recording whose peak is below this is raised to TARGET_PEAK_DBFS (speech peaks around -3 dBFS
#: on a well-set recorder; the Piper voice peaks at -1.4 dBFS, espeak-ng at -3 to -5 dBFS).
QUIET_PEAK_DBFS = -6.0
TARGET_PEAK_DBFS = -1.0
#: Share of samples at full scale above which a recording is called clipped.
CLIP_SHARE = 0.001


class BankError(ValueError):
    """A recording is refused or cannot be found; the message says why and what to do."""


@dataclass
class Recording:
    """One banked message: its name, the words it says, its file and what the check measured."""

    name: str
    phrase: str
    file: str  # file name inside the recordings folder
    duration: float
    sample_rate: int
    peak_dbfs: float
    rms_dbfs: float
    gain_db: float = 0.0
    source: str = ""  # the imported file's name (not its folder)
    imported: str = ""
    warnings: list[str] = field(default_factory=list)


def normalise_phrase(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".!?…")


def name_for(phrase: str) -> str:
    """A default name from the phrase: "Good morning!" -> "good-morning" (non-Latin -> "rec-<hash>")."""
    ascii_ = unicodedata.normalize("NFKD", phrase).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:40].strip("-")
    if len(slug) < 2:
        slug = "rec-" + hashlib.sha256(phrase.encode("utf-8")).hexdigest()[:8]
    return slug


def _db(x: float) -> float:
    import math

    return round(20 * math.log10(max(x, 1e-9)), 1)


def check_audio(path: Path) -> tuple[object, int, list[str], str]:
    """Read and check a recording; returns (mono float samples, rate, warnings, format).

    Raises :class:`BankError` with a message a caregiver can act on.
    """
    import numpy as np

    try:
        import soundfile
    except ImportError as exc:  # pragma: no cover - a pinned dependency
        raise BankError(f"cannot read recordings: soundfile is not installed ({exc})") from exc
    path = Path(path)
    if not path.is_file():
        raise BankError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BankError(f"{path.name}: {size // 1_000_000} MB is too big for a message (at most {MAX_SECONDS:.0f} s)")
    try:
        info = soundfile.info(str(path))
    except Exception as exc:  # libsndfile's own error, e.g. "Format not recognised"
        raise BankError(f"{path.name}: not a sound file that can be read ({exc}); "
                        "save the recording as WAV, FLAC or OGG") from exc
    if info.format not in FORMATS:
        raise BankError(f"{path.name}: {info.format} files are not accepted; save the recording as WAV, FLAC or OGG")
    if not 8000 <= info.samplerate <= 192000 or info.channels > 8:
        raise BankError(f"{path.name}: {info.samplerate} Hz, {info.channels} channels is not a usual recording")
    if info.duration < MIN_SECONDS:
        raise BankError(f"{path.name}: {info.duration:.2f} s is too short (at least {MIN_SECONDS} s); "
                        "was the recording stopped too early?")
    if info.duration > MAX_SECONDS:
        raise BankError(f"{path.name}: {info.duration:.0f} s is too long for one message (at most "
                        f"{MAX_SECONDS:.0f} s); cut it into shorter messages")
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # a damaged file
        raise BankError(f"{path.name}: the audio is damaged and cannot be read ({exc})") from exc
    if len(data) == 0:
        raise BankError(f"{path.name}: the file holds no audio")
    mono = data.mean(axis=1)
    if not np.all(np.isfinite(mono)):
        raise BankError(f"{path.name}: the audio is damaged (invalid samples)")
    peak = float(np.max(np.abs(mono)))
    if _db(peak) < SILENT_PEAK_DBFS:
        loudest = "no sound at all" if peak == 0.0 else f"loudest point {_db(peak)} dBFS"
        raise BankError(f"{path.name}: the recording is silent ({loudest}); "
                        "check that the microphone was on and record it again")
    warnings = []
    clipped = int(np.sum(np.max(np.abs(data), axis=1) >= 0.999))
    if clipped > CLIP_SHARE * len(data):
        warnings.append(f"clipped in places ({clipped} samples at full scale): it may sound harsh; "
                        "if possible record it again a little further from the microphone")
    return mono, int(rate), warnings, str(info.format)


class VoiceBank:
    """The recordings of one profile (``<profile>/recordings``)."""

    def __init__(self, profile_dir: Path | str):
        self.dir = Path(profile_dir) / "recordings"
        self.index_path = self.dir / "index.json"

    def list(self) -> list[Recording]:
        """All recordings, oldest first ([] when none; a damaged index is reported, not fatal)."""
        try:
            raw = json.loads(self.index_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise BankError(f"{self.index_path}: cannot be read ({exc})") from exc
        out = []
        for item in raw.get("recordings", []) if isinstance(raw, dict) else []:
            try:
                out.append(Recording(**item))
            except TypeError:
                continue
        return out

    def get(self, name: str) -> Recording | None:
        return next((r for r in self.list() if r.name == name), None)

    def find(self, phrase: str) -> Recording | None:
        """The recording of exactly these words (case, spacing and final punctuation ignored):
        lets a history entry or a typed message that matches a banked phrase play the recording."""
        key = normalise_phrase(phrase)
        return next((r for r in reversed(self.list()) if normalise_phrase(r.phrase) == key), None)

    def path(self, name_or_rec: str | Recording) -> Path | None:
        """The WAV file to play for a recording name (None if there is no such recording or file)."""
        rec = self.get(name_or_rec) if isinstance(name_or_rec, str) else name_or_rec
        if rec is None:
            return None
        p = self.dir / rec.file
        return p if p.is_file() else None

    def _save(self, recs: list[Recording]) -> None:
        ensure_private_dir(self.dir)
        atomic_write_json(self.index_path, {"version": 1, "recordings": [asdict(r) for r in recs]})

    def import_file(self, src: Path | str, phrase: str, name: str | None = None, replace: bool = False) -> Recording:
        """Check ``src`` and store it as the recording of ``phrase``; raises :class:`BankError`."""
        import numpy as np

        phrase = " ".join(str(phrase).split())
        if not phrase:
            raise BankError('say which words the recording says: --phrase "..."')
        name = name or name_for(phrase)
        if not RECORDING_NAME.match(name):
            raise BankError(f"recording name {name!r}: use lower-case letters, digits and '-' (at most 40), "
                            'e.g. "good-morning"')
        recs = self.list()
        if any(r.name == name for r in recs) and not replace:
            raise BankError(f"a recording named {name!r} already exists; add --replace to replace it "
                            "or --name to give this one another name")
        mono, rate, warnings, fmt = check_audio(Path(src))
        peak = float(np.max(np.abs(mono)))
        gain_db = 0.0
        if _db(peak) < QUIET_PEAK_DBFS:
            gain_db = round(TARGET_PEAK_DBFS - _db(peak), 1)
            mono = mono * (10 ** (gain_db / 20))
            warnings.append(f"quiet recording: raised by {gain_db} dB")
        pcm = (np.clip(mono, -1.0, 32767 / 32768) * 32768).astype("<i2")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        f = pcm.astype(np.float64) / 32768
        rec = Recording(
            name=name, phrase=phrase, file=f"{name}.wav", duration=round(len(pcm) / rate, 3), sample_rate=rate,
            peak_dbfs=_db(float(np.max(np.abs(f)))), rms_dbfs=_db(float(np.sqrt(np.mean(f * f)))), gain_db=gain_db,
            source=f"{Path(src).name} ({fmt})", imported=time.strftime("%Y-%m-%dT%H:%M:%S%z"), warnings=warnings,
        )
        ensure_private_dir(self.dir)
        atomic_write_bytes(self.dir / rec.file, buf.getvalue())
        self._save([r for r in recs if r.name != name] + [rec])
        return rec

    def remove(self, name: str) -> Recording:
        recs = self.list()
        rec = next((r for r in recs if r.name == name), None)
        if rec is None:
            raise BankError(f"no recording named {name!r}" + self._names_hint(recs))
        self._save([r for r in recs if r.name != name])
        (self.dir / rec.file).unlink(missing_ok=True)
        return rec

    @staticmethod
    def _names_hint(recs: list[Recording]) -> str:
        return f" (recordings: {', '.join(r.name for r in recs)})" if recs else " (there are no recordings yet)"

    def summary(self) -> list[dict]:
        """Plain data for `aac profile show --json`."""
        try:
            recs = self.list()
        except BankError:
            return []
        return [{"name": r.name, "phrase": r.phrase, "duration": r.duration, "file": str(self.dir / r.file),
                 "present": (self.dir / r.file).is_file()} for r in recs]
