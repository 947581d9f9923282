"""The distinct slides of a lecture video: sample, split into still shots, read, group.

1. Thumbnails: the keyframes, then a few frames a second only where two keyframes differ
   (vision/frames.py); the whole video at 1 fps only when its encoder set keyframes too rarely.
2. Shots: stretches that hold one picture for 1.5 s or more (vision/changes.py).
3. Reading: one full frame per shot, by Tesseract, a call per core; a shot whose thumbnail
   matches one already read is not read again. A frame with no readable text is no slide.
4. Grouping: a shot whose text matches an earlier slide's is that slide shown again (or, right
   after it, the same slide zoomed, or building up its bullets): one slide, several stretches.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lecture_assets.asr.media import MediaError, probe
from lecture_assets.layout import LectureFolder
from lecture_assets.records import Slide, SlideDeck
from lecture_assets.vision import changes, frames, ocr

log = logging.getLogger(__name__)

IMAGE_WIDTH = 960  # slides/NNN.jpg: readable on a page and a phone, ~60 KB each
READ_WIDTH = 1600  # what Tesseract gets: small print on a 4K slide stays legible
# More than MOVING_MIN keyframes, most of them unlike the next: a camera, not slides; sampling
# between them would decode the whole video.
MOVING_MIN, MOVING_SHARE = 10, 0.5
STILL_SHARE = 0.7  # ... unless the picture holds still between them (slides changing often)
# Two readings of one slide: their words in the same order (OCR slips aside), and titles alike.
# A slide of the same template with other bullets ("Example 1", "Example 2") is another slide.
SAME_TEXT = 0.9
SAME_LOOK_TEXT = 0.75  # enough when the pictures look the same too (grain changed the reading)
SAME_TITLE = 0.8
SETTLE_S = 0.75  # a frame this soon after a shot starts may still be fading in
BUILT_UP = 0.8  # share of a slide's words found in the next shot: the same slide, more bullets


@dataclass
class _Shot:
    shot: changes.Shot
    at: float  # the time its frame is read at
    thumb: np.ndarray
    picture: Path | None = None
    reading: ocr.Reading | None = None
    spans: list[tuple[float, float]] = field(default_factory=list)


def find_slides(
    source: Path,
    folder: LectureFolder,
    language: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> SlideDeck:
    """Find, read and save the slides of ``source`` as ``folder``'s slide images; the deck is
    for the caller to write. Audio and videos without slides give an empty deck."""
    say = progress or log.info
    info = probe(source)
    if info.video_codec is None:
        return SlideDeck([], _ocr_status(), {"has_video": False})
    duration = info.duration or 0.0
    started = time.perf_counter()
    try:
        sampled, video = sample(source, duration)
    except MediaError as exc:
        # A damaged picture with good sound: the lecture still gets its notes, without slides,
        # and the step's metadata and log say why.
        return SlideDeck([], _ocr_status(), {"has_video": True, "error": str(exc)})
    found = changes.shots(sampled.times, sampled.pixels, duration or _last(sampled))
    video |= {
        "has_video": True,
        "shots": len(found),
        "sample_s": round(time.perf_counter() - started, 2),
    }
    say(f"slides: {len(sampled)} frames examined, {len(found)} still shots")
    # Each shot is read at the time of its thumbnail (a frame known to decode, and the picture
    # the shot was judged by), or where a fade into it has settled (_settled).
    shots = [_settled(source, sampled, s) for s in found]
    status = _ocr_status()
    with tempfile.TemporaryDirectory(prefix="konspekt-slides-") as work:
        read_started = time.perf_counter()
        reads = _read_all(source, shots, Path(work), status, language, say)
        status["frames_read"] = reads
        if reads:
            status["seconds_per_frame"] = round((time.perf_counter() - read_started) / reads, 3)
        shots = [s for s in shots if s.picture is not None]  # a frame that could not be read
        if status["available"]:
            shots = [s for s in shots if s.reading and s.reading.readable]
        else:  # no OCR: a frame with something drawn on it may be a slide
            shots = [s for s in shots if changes.has_structure(s.thumb)]
        distinct = _group(shots, status["available"])
        slides = [_save(shot, number, folder) for number, shot in enumerate(distinct, 1)]
    video["seconds"] = round(time.perf_counter() - started, 2)
    say(f"slides: {len(slides)} distinct slides in {video['seconds']:.1f} s")
    return SlideDeck(slides, status, video)


def sample(source: Path, duration: float) -> tuple[frames.Frames, dict]:
    """Thumbnails enough to place every slide change to within 1/REFINE_FPS seconds."""
    keys = frames.thumbnails(source, keyframes_only=True)
    gaps = len(keys) - 1
    end = max(duration, _last(keys))
    if gaps >= 1 and end / len(keys) <= frames.SPARSE_GAP_S:
        pairs = changes.changed_pairs(keys.pixels)
        windows = [(float(keys.times[i]), float(keys.times[i + 1])) for i in pairs]
        if (
            len(pairs) > MOVING_MIN
            and len(pairs) > MOVING_SHARE * gaps
            and _moving(source, windows)
        ):
            return keys, {"sampling": "keyframes (moving picture)", "frames": len(keys)}
        # After the last keyframe nothing marks a change: that stretch is always looked at.
        windows.append((_last(keys), end))
        parts = [
            frames.thumbnails(source, fps=frames.REFINE_FPS, start=a, end=b)
            for a, b in windows
            if b > a
        ]
        merged = frames.Frames.merge([keys, *parts])
        return merged, {"sampling": "keyframes + changes", "frames": len(merged)}
    full = frames.thumbnails(source, fps=frames.SPARSE_FPS)
    return full, {"sampling": f"{frames.SPARSE_FPS:g} fps", "frames": len(full)}


def _settled(source: Path, sampled: frames.Frames, shot: changes.Shot) -> _Shot:
    """The shot with the frame it is judged and read by. Where sampling was sparse (keyframes
    only) and a fade opened the shot, the nearest sampled frame may lie in the fade's tail, the
    old slide still showing through: then one frame is decoded where the picture has settled
    (after a cut, the first frame is already the new slide)."""
    at, thumb = float(sampled.times[shot.frame]), sampled.pixels[shot.frame]
    target = shot.start + min(2.0, shot.seconds / 2)
    if at - shot.start < SETTLE_S <= target - at and shot.opened_by_motion(sampled.pixels):
        try:
            late = frames.thumbnails(source, fps=frames.REFINE_FPS, start=target, end=target + 0.3)
        except MediaError:
            late = frames.Frames.empty()
        if len(late):
            at, thumb = float(late.times[0]), late.pixels[0]
    return _Shot(shot, at, thumb, spans=[(shot.start, shot.end)])


def _moving(source: Path, windows: list[tuple[float, float]]) -> bool:
    """Whether the picture keeps moving between keyframes (a camera), judged on three of the
    stretches: slides that merely change often stand still in between."""
    step = max(1, len(windows) // 3)
    still = total = 0
    for a, b in windows[::step][:3]:
        part = frames.thumbnails(source, fps=frames.REFINE_FPS, start=a, end=b)
        moved = len(changes.changed_pairs(part.pixels))
        total += max(len(part) - 1, 0)
        still += max(len(part) - 1, 0) - moved
    return total > 0 and still < STILL_SHARE * total


def _ocr_status() -> dict:
    try:
        engine = ocr.engine()
    except ocr.OcrUnavailable as exc:
        return {"available": False, "reason": str(exc)}
    return {"available": True, **engine.describe()}


def _read_all(
    source: Path,
    shots: list[_Shot],
    work: Path,
    status: dict,
    language: str,
    say: Callable[[str], None],
) -> int:
    """Grab (and, with OCR, read) each shot's frame; returns how many frames were read."""
    languages = ocr.languages_for(language, ocr.engine().languages) if status["available"] else []
    # A picture seen before (the slide shown again) is neither grabbed nor read again.
    first_of: list[int] = []
    unique: list[int] = []
    for index, shot in enumerate(shots):
        seen = (j for j in unique if changes.difference(shots[j].thumb, shot.thumb) <= changes.SAME)
        origin = next(seen, index)
        first_of.append(origin)
        if origin == index:
            unique.append(index)

    def look(index: int) -> None:
        shot = shots[index]
        picture = work / f"{index:04d}.png"
        try:
            frames.grab(source, shot.at, picture, READ_WIDTH)
            if languages:
                shot.reading = ocr.read_slide(picture, languages)
        except (MediaError, ocr.OcrUnavailable) as exc:
            # One unreadable frame costs its shot, not the lecture's slides (or its notes).
            say(f"slides: skipped the shot at {shot.at:.1f} s: {exc}")
            shot.reading = None
            return
        shot.picture = picture

    rest = unique
    if unique and languages:
        # The first frame settles which language is tried first on the others.
        look(unique[0])
        rest = unique[1:]
        first = shots[unique[0]].reading
        if first and first.readable:
            languages.sort(key=lambda code: code != first.language)
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        for done, _ in enumerate(pool.map(look, rest), 1):
            if done % 10 == 0:
                say(f"slides: read {done} of {len(rest)} frames")
    for index, origin in enumerate(first_of):
        shots[index].picture = shots[origin].picture
        shots[index].reading = shots[origin].reading
    return len(unique) if languages else 0


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def title_similarity(a: str, b: str) -> float:
    """Two titles letter by letter: one misread letter ("mechanisum") keeps them alike."""
    first, second = " ".join(_words(a)), " ".join(_words(b))
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()


def _built_up(before: str, after: str) -> bool:
    """``after`` holds (nearly) all of ``before``'s words and more: bullets appeared."""
    old, new = _words(before), _words(after)
    if not old or len(new) <= len(old):
        return False
    seen = set(new)
    return sum(w in seen for w in old) >= BUILT_UP * len(old)


def _group(shots: list[_Shot], by_text: bool) -> list[_Shot]:
    distinct: list[_Shot] = []
    for shot in shots:
        previous = distinct[-1] if distinct else None
        # Next to each other, or with only a transition between them (a fade's frames form
        # stretches too short to be a slide).
        adjacent = (
            previous is not None and shot.shot.start - previous.spans[-1][1] < changes.MIN_HOLD_S
        )
        if adjacent and _continues(previous, shot, by_text):
            start = previous.spans[-1][0]
            previous.spans[-1] = (start, shot.shot.end)
            fuller = len(_words(_text(shot))) > len(_words(_text(previous)))
            if by_text and (fuller or changes.only_added(previous.thumb, shot.thumb)):
                previous.picture, previous.reading, previous.thumb = (
                    shot.picture,
                    shot.reading,
                    shot.thumb,
                )
            continue
        match = next((d for d in distinct if _same(d, shot, by_text)), None)
        if match is not None:
            match.spans.append((shot.shot.start, shot.shot.end))
        else:
            distinct.append(shot)
    return distinct


def _text(shot: _Shot) -> str:
    return shot.reading.text if shot.reading else ""


def _same(a: _Shot, b: _Shot, by_text: bool) -> bool:
    looks_same = changes.difference(a.thumb, b.thumb) <= changes.SAME
    if not by_text:
        return looks_same
    titles = (a.reading.title if a.reading else "", b.reading.title if b.reading else "")
    if all(titles) and title_similarity(*titles) < SAME_TITLE:
        return False
    text = similarity(_text(a), _text(b))
    return text >= SAME_TEXT or (looks_same and text >= SAME_LOOK_TEXT)


def _continues(previous: _Shot, shot: _Shot, by_text: bool) -> bool:
    if _same(previous, shot, by_text):
        return True
    same_title = (
        previous.reading is not None
        and shot.reading is not None
        and title_similarity(previous.reading.title, shot.reading.title) >= SAME_TITLE
    )
    # Bullets appearing one by one: the same title, and the new shot holds the old one's words
    # or, when small print defeats the reading, its picture with only ink added.
    return (
        by_text
        and same_title
        and (
            _built_up(_text(previous), _text(shot))
            or changes.only_added(previous.thumb, shot.thumb)
        )
    )


def _save(shot: _Shot, number: int, folder: LectureFolder) -> Slide:
    from PIL import Image

    from konspekt.files import write_with

    target = folder.slide_image(number)
    assert shot.picture is not None, "every kept shot was grabbed"

    def write(tmp: Path) -> None:
        with Image.open(shot.picture) as picture:
            image = picture.convert("RGB")
            if image.width > IMAGE_WIDTH:
                height = round(image.height * IMAGE_WIDTH / image.width)
                image = image.resize((IMAGE_WIDTH, height), Image.Resampling.LANCZOS)
            image.save(tmp, format="JPEG", quality=85, optimize=True)

    write_with(target, write)
    spans = [(round(a, 2), round(b, 2)) for a, b in shot.spans]
    reading = shot.reading
    return Slide(
        spans[0][0],
        spans[0][1],
        folder.relative(target),
        reading.title if reading else "",
        reading.text if reading else "",
        spans,
    )


def _last(sampled: frames.Frames) -> float:
    return float(sampled.times[-1]) if len(sampled) else 0.0
