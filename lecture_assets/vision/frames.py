"""Cheap looks at a video: small grey frames from ffmpeg, and one full frame at a time.

A lecture video is long and mostly still, so decoding all of it is the expensive way to find its
slides. The first pass asks ffmpeg for the keyframes only (``-skip_frame nokey``: the decoder
skips everything else, ~1% of the frames of a typical encode, and encoders put a keyframe at a
scene cut such as a slide change); a second pass decodes, at a few frames a second, just the
stretches between two keyframes that differ, to place each change to within half a second.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lecture_assets.asr.media import MediaError, ffmpeg_exe

# Detection works on thumbnails: enough for a slide's layout, too coarse for camera grain.
THUMB_W, THUMB_H = 128, 72
REFINE_FPS = 4.0
# Keyframes further apart than this on average (an encoder without scene-cut detection):
# sample the whole video at SPARSE_FPS instead, or a short slide could fall between two of them.
SPARSE_GAP_S = 12.0
SPARSE_FPS = 1.0

_PTS = re.compile(r"pts_time:\s*(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Frames:
    """Thumbnails (n, THUMB_H, THUMB_W) uint8 grey and their times in seconds, in time order."""

    times: np.ndarray
    pixels: np.ndarray

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def empty(cls) -> Frames:
        return cls(np.zeros(0), np.zeros((0, THUMB_H, THUMB_W), dtype=np.uint8))

    @classmethod
    def merge(cls, parts: list[Frames]) -> Frames:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        times = np.concatenate([p.times for p in parts])
        pixels = np.concatenate([p.pixels for p in parts])
        order = np.argsort(times, kind="stable")
        times, pixels = times[order], pixels[order]
        keep = np.concatenate([[True], np.diff(times) > 1e-3])  # a keyframe sampled twice
        return cls(times[keep], pixels[keep])


def thumbnails(
    source: Path,
    keyframes_only: bool = False,
    fps: float | None = None,
    start: float = 0.0,
    end: float | None = None,
) -> Frames:
    """Grey thumbnails of ``source``: every keyframe, or ``fps`` frames a second, from ``start``
    to ``end``. ffmpeg scales while decoding, so memory stays at the thumbnails' size."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "info"]
    if keyframes_only:
        cmd += ["-skip_frame", "nokey"]
    if start > 0:
        cmd += ["-ss", f"{start:.3f}"]
    if end is not None:
        cmd += ["-to", f"{end:.3f}"]
    # -copyts keeps the source's clock after a seek, so the times are the video's own, counted
    # from the file's start (-start_at_zero: an .mpg's clock starts wherever it likes, the
    # decoded audio at zero). 0:V:0 is the first real video stream, never cover art.
    cmd += ["-copyts", "-start_at_zero", "-i", str(source), "-an", "-sn", "-map", "0:V:0"]
    chain = [f"fps={fps}"] if fps else []
    if keyframes_only:
        # At most two a second: some decoders (VP9's) ignore -skip_frame and return every frame.
        chain.append(r"select='isnan(prev_selected_t)+gte(t-prev_selected_t\,0.5)'")
    chain += [f"scale={THUMB_W}:{THUMB_H}:flags=area", "showinfo"]
    # passthrough: one output frame per filtered frame. (With -copyts, "cfr" would pad the
    # output from zero with copies of the first frame, and the thumbnails would not match
    # the times showinfo reports.)
    cmd += ["-vf", ",".join(chain), "-fps_mode", "passthrough"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise MediaError(f"{source.name}: its video could not be decoded ({tail[0]}).")
    size = THUMB_W * THUMB_H
    count = len(proc.stdout) // size
    times = [float(t) for t in _PTS.findall(proc.stderr.decode("utf-8", "replace"))]
    if count != len(times):
        raise MediaError(f"{source.name}: its video frames could not be read in order.")
    pixels = np.frombuffer(proc.stdout[: count * size], dtype=np.uint8)
    return Frames(np.array(times[:count]), pixels.reshape(count, THUMB_H, THUMB_W))


def grab(source: Path, at: float, target: Path, width: int) -> None:
    """One frame at ``at`` seconds, ``width`` pixels wide (never upscaled), as PNG/JPEG by
    ``target``'s suffix. The input seek jumps to the keyframe before ``at`` and decodes from
    there: a frame costs a fraction of a second however long the video."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y"]
    cmd += ["-ss", f"{max(at, 0.0):.3f}", "-i", str(source), "-map", "0:V:0", "-an"]
    cmd += ["-frames:v", "1"]
    cmd += ["-vf", f"scale='min({width},iw)':-2:flags=lanczos", "-q:v", "3", str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        raise MediaError(f"{source.name}: no frame could be read at {at:.1f} s.")
