"""Turn any video or audio file into 16 kHz mono WAV, with readable errors for bad input."""

from __future__ import annotations

import re
import subprocess
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from konspekt.errors import KonspektError
from konspekt.files import atomic_path
from konspekt.settings import MAX_MINUTES_VARIABLE
from lecture_assets.records import clock

SAMPLE_RATE = 16_000

VIDEO_EXTENSIONS = frozenset({".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".mpg", ".mpeg"})
AUDIO_EXTENSIONS = frozenset(
    {".m4a", ".mp3", ".wav", ".flac", ".ogg", ".oga", ".opus", ".aac", ".wma", ".weba"}
)
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS


class MediaError(KonspektError):
    """The input file cannot be turned into audio."""


_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"Stream #\S+.*?: Audio: (\w+)")
# Cover art in an audio file is a video stream too, marked "(attached pic)": not a video.
_VIDEO_STREAM = re.compile(r"Stream #\S+.*?: Video: (\w+)(?!.*\(attached pic\))")


@dataclass(frozen=True)
class AudioInfo:
    """What the audio step learned about a source file and the WAV it produced."""

    duration: float  # seconds of decoded 16 kHz audio
    source_codec: str
    has_video: bool
    dbfs: float  # mean loudness; -inf for digital silence
    max_dbfs: float


@cache
def ffmpeg_exe() -> str:
    """The static ffmpeg that ships in the imageio-ffmpeg wheel, so no system package is needed."""
    import imageio_ffmpeg

    with warnings.catch_warnings():
        # pydub looks for ffmpeg on PATH at import and warns; we hand it the bundled one below.
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = exe
    return exe


@dataclass(frozen=True)
class Probe:
    duration: float | None
    audio_codec: str | None
    video_codec: str | None


def probe(path: Path) -> Probe:
    """Read the container's stream list from ``ffmpeg -i`` (imageio-ffmpeg ships no ffprobe)."""
    _check_file(path)
    # ffmpeg exits 1 when given no output; the stream list is on stderr either way.
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    err = proc.stderr
    if proc.returncode != 1 or "Stream #" not in err:
        # ffmpeg says "invalid data" for both; the leading bytes tell a broken container
        # from a file that never was one (a document renamed to .mp4).
        if _looks_like_media(path):
            raise MediaError(f"{path.name} is truncated or corrupt and cannot be decoded.")
        raise MediaError(f"{path.name} is not a readable video or audio file.")
    duration = None
    if match := _DURATION.search(err):
        hours, minutes, seconds = match.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    audio = _AUDIO_STREAM.search(err)
    video = _VIDEO_STREAM.search(err)
    return Probe(
        duration=duration,
        audio_codec=audio.group(1) if audio else None,
        video_codec=video.group(1) if video else None,
    )


def check_media(path: Path) -> None:
    """Admission's check, cheap enough for a sensor tick over thousands of files: the file
    exists, is not empty and starts like a media container; only a file that does not is
    probed with ffmpeg (which refuses a document renamed to .mp4). Damage further in is found
    when the audio is decoded, and fails that lecture's run."""
    _check_file(path)
    if not _looks_like_media(path):
        probe(path)


# Container signatures at the start of a file: (offset, magic bytes).
_SIGNATURES = [
    (4, b"ftyp"),
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"free"),
    (4, b"wide"),
    (4, b"skip"),
    (0, b"\x1a\x45\xdf\xa3"),
    (0, b"RIFF"),
    (0, b"OggS"),
    (0, b"fLaC"),
    (0, b"ID3"),
    (0, b"\x30\x26\xb2\x75"),
    (0, b"#!AMR"),
    (0, b"\x00\x00\x01\xba"),
    (0, b"FLV"),
]


def _looks_like_media(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(16)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return True  # MPEG audio / ADTS frame sync
    return any(head[offset : offset + len(magic)] == magic for offset, magic in _SIGNATURES)


def extract_audio(source: Path, target: Path, max_duration: float | None = None) -> AudioInfo:
    """Decode ``source`` to a 16 kHz mono 16-bit WAV at ``target``, written atomically.

    ffmpeg resamples while decoding and streams to disk, so memory does not grow with the
    length of the recording; pydub then measures the result a block at a time.
    """
    info = probe(source)
    if info.audio_codec is None:
        raise MediaError(f"{source.name} has no audio track.")
    if max_duration and info.duration and info.duration > max_duration:
        raise _too_long(source, info.duration, max_duration)
    with atomic_path(target) as tmp:
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(source)]
        cmd += ["-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "wav"]
        if max_duration:
            cmd += ["-t", str(max_duration + 1)]  # a container that hides its length
        proc = subprocess.run([*cmd, str(tmp)], capture_output=True, text=True, errors="replace")
        if proc.returncode != 0 or tmp.stat().st_size <= 44:
            raise MediaError(f"{source.name} is truncated or corrupt and cannot be decoded.")
        duration, dbfs, max_dbfs = measure(tmp)
        if duration == 0:
            raise MediaError(f"{source.name} contains no audio samples.")
        if max_duration and duration > max_duration:
            raise _too_long(source, duration, max_duration)
        # ffmpeg decodes what it can of a damaged file and only complains on stderr; a result
        # much shorter than the container claims is a truncated upload, not a short lecture.
        if proc.stderr.strip() and info.duration and duration < 0.9 * info.duration:
            raise MediaError(f"{source.name} is truncated or corrupt and cannot be decoded.")
        result = AudioInfo(
            duration=duration,
            source_codec=info.audio_codec,
            has_video=info.video_codec is not None,
            dbfs=dbfs,
            max_dbfs=max_dbfs,
        )
    return result


def listening_copy(wav: Path, target: Path, bitrate: str = "24k") -> Path:
    """Opus in WebM from the decoded WAV, written atomically: what the notes page plays.

    Every browser plays it, whatever the source's codecs, and speech at 24 kbit/s is ~11 MB
    an hour, where a copy of the video would double the lecture's footprint. Encoding runs
    at ~240x real time on one core (an hour in ~15 s)."""
    with atomic_path(target) as tmp:
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(wav)]
        cmd += ["-c:a", "libopus", "-b:a", bitrate, "-application", "voip", "-f", "webm"]
        proc = subprocess.run([*cmd, str(tmp)], capture_output=True, text=True, errors="replace")
        if proc.returncode != 0:
            detail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
            raise MediaError(f"The listening copy of {wav.name} failed: {detail[0]}")
    return target


def measure(wav: Path, block_seconds: int = 60) -> tuple[float, float, float]:
    """Duration, mean and peak loudness (dBFS) of a 16-bit mono WAV, one block in memory."""
    import math
    import wave

    ffmpeg_exe()  # configures pydub before its first use
    from pydub import AudioSegment

    frames = 0
    energy = 0.0  # sum of squared samples, to combine per-block RMS values
    peak = 0
    with wave.open(str(wav), "rb") as handle:
        width, rate = handle.getsampwidth(), handle.getframerate()
        while data := handle.readframes(rate * block_seconds):
            block = AudioSegment(data=data, sample_width=width, frame_rate=rate, channels=1)
            count = int(block.frame_count())
            frames += count
            energy += float(block.rms) ** 2 * count
            peak = max(peak, block.max)
    if not frames:
        return 0.0, float("-inf"), float("-inf")
    full_scale = float(1 << (8 * width - 1))
    rms = math.sqrt(energy / frames)
    dbfs = 20 * math.log10(rms / full_scale) if rms else float("-inf")
    max_dbfs = 20 * math.log10(peak / full_scale) if peak else float("-inf")
    return frames / rate, dbfs, max_dbfs


def _too_long(source: Path, duration: float, limit: float) -> MediaError:
    return MediaError(
        f"{source.name} lasts {clock(duration)}, longer than the configured maximum of "
        f"{clock(limit)} ({MAX_MINUTES_VARIABLE})."
    )


def load_pcm(wav: Path, block_frames: int = 1 << 20):
    """The WAV as float32 samples in [-1, 1], the form whisperX expects.

    Converted block by block into one preallocated array: a four-hour lecture needs its
    ~0.9 GB of float32 once, not again as int16 bytes and a temporary float copy.
    """
    import wave

    import numpy as np

    with wave.open(str(wav), "rb") as handle:
        if handle.getframerate() != SAMPLE_RATE or handle.getnchannels() != 1:
            raise MediaError(f"{wav.name} is not 16 kHz mono; re-materialize the audio asset.")
        total = handle.getnframes()
        pcm = np.empty(total, dtype=np.float32)
        done = 0
        while done < total and (data := handle.readframes(block_frames)):
            block = np.frombuffer(data, dtype=np.int16)
            np.multiply(block, 1 / 32768.0, out=pcm[done : done + len(block)], casting="unsafe")
            done += len(block)
    return pcm[:done]


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MediaError(f"{path} was not found.")
    if not path.is_file():
        raise MediaError(f"{path} is not a file.")
    if path.stat().st_size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes).")
