"""Where the picture changes and then holds still: pure numpy over grey thumbnails.

Two thumbnails differ when a real share of their area changed clearly. Both are halved again
first (each cell then averages ~400 source pixels), so camera grain and compression noise, which
do not survive averaging, never count; a moving cursor changes a cell or two, under the bar; a
new slide, or new bullets on the same template, changes whole lines of text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PIXEL_DELTA = 20.0  # grey levels (0-255) a cell must change by to count as changed
# Share of cells that must change: a new bullet line, or one short word of a title and bullet
# on a sparse slide (~1.1% of the cells of "Arrays 1" -> "Lists 1"); a cursor moves ~0.1%.
CHANGE = 0.005
MIN_HOLD_S = 1.5  # a picture shown for less is a transition or an animation, not a slide
SAME = 0.001  # two pictures this close are the same picture (no need to read it again)
# A picture that only gains ink: this share of its changed cells were within BACKGROUND_DELTA
# grey levels of their row's background before.
ADDED_SHARE, BACKGROUND_DELTA = 0.9, 12.0


@dataclass(frozen=True)
class Shot:
    """A stretch of video over which the picture stays the same."""

    start: float
    end: float
    frame: int  # index of the thumbnail that shows it best (some way into the stretch)
    first: int = 0  # index of its first thumbnail

    def opened_by_motion(self, pixels: np.ndarray) -> bool:
        """Whether the picture was still changing just before the stretch began (a fade, not a
        cut, led into it): its first frames may still be blending."""
        return (
            self.first >= 2 and difference(pixels[self.first - 2], pixels[self.first - 1]) > CHANGE
        )

    @property
    def seconds(self) -> float:
        return self.end - self.start


def cells(thumb: np.ndarray) -> np.ndarray:
    height, width = thumb.shape
    return (
        thumb[: height // 2 * 2, : width // 2 * 2]
        .reshape(height // 2, 2, width // 2, 2)
        .mean(axis=(1, 3))
    )


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Share of cells that changed by more than PIXEL_DELTA grey levels, 0-1."""
    first, second = cells(a.astype(np.float32)), cells(b.astype(np.float32))
    return float((np.abs(first - second) > PIXEL_DELTA).mean())


def only_added(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether ``after`` is ``before`` with something drawn on its empty parts (the next bullet
    of a slide that builds up), nothing of it taken away: every cell that changed was
    background before (near its row's median grey; rows, so a vertical gradient is background
    too)."""
    first, second = cells(before.astype(np.float32)), cells(after.astype(np.float32))
    changed = np.abs(first - second) > PIXEL_DELTA
    if not changed.any():
        return False
    background = np.abs(first - np.median(first, axis=1, keepdims=True)) <= BACKGROUND_DELTA
    return float(background[changed].mean()) >= ADDED_SHARE


def changed_pairs(pixels: np.ndarray) -> list[int]:
    """Indices ``i`` where thumbnail ``i + 1`` differs from thumbnail ``i``."""
    return [i for i in range(len(pixels) - 1) if difference(pixels[i], pixels[i + 1]) > CHANGE]


def shots(times: np.ndarray, pixels: np.ndarray, duration: float) -> list[Shot]:
    """Split the thumbnails into stretches of one picture; drop those too short to be a slide.

    A frame starts a new stretch when it differs from the stretch's first frame (not merely from
    the frame before, so a slow fade or a creeping zoom still ends a stretch).
    """
    n = len(times)
    if n == 0:
        return []
    starts = [0]
    for i in range(1, n):
        if difference(pixels[i], pixels[starts[-1]]) > CHANGE:
            starts.append(i)
    found = []
    for number, first in enumerate(starts):
        last = starts[number + 1] - 1 if number + 1 < len(starts) else n - 1
        start = float(times[first])
        end = float(times[starts[number + 1]]) if number + 1 < len(starts) else max(duration, start)
        if end - start < MIN_HOLD_S:
            continue
        # The frame to show: a second or two in (past a fade; a slide that builds up its bullets
        # shows them all later), but still inside the stretch.
        target = start + min(2.0, (end - start) / 2)
        frame = max((i for i in range(first, last + 1) if times[i] <= target), default=first)
        found.append(Shot(start, end, frame, first))
    return _join_same(found, pixels)


def _join_same(found: list[Shot], pixels: np.ndarray) -> list[Shot]:
    """Neighbouring stretches whose settled pictures do not differ by a change are one picture:
    split by a flash, a short overlay, or the tail of a fade (whose first frames, still
    blending, differ from the picture it settles into)."""
    joined: list[Shot] = []
    for shot in found:
        previous = joined[-1] if joined else None
        if previous and difference(pixels[previous.frame], pixels[shot.frame]) <= CHANGE:
            # The longer stretch's frame shows the picture best (the shorter may be the fade).
            frame = previous.frame if previous.seconds >= shot.seconds else shot.frame
            joined[-1] = Shot(previous.start, shot.end, frame, previous.first)
        else:
            joined.append(shot)
    return joined


def has_structure(thumb: np.ndarray) -> bool:
    """Something drawn on the frame (text, a figure), not a plain colour or a gradient: used
    only when no OCR engine can say whether there is text."""
    grid = thumb.astype(np.float32)
    edges = np.abs(np.diff(grid, axis=1)) > 40
    return float(edges.mean()) > 0.005
