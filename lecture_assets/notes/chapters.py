"""Topic chapters from sentence embeddings alone (TextTiling over embedding windows)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

MIN_CHAPTER_S = 30.0  # floor for the shortest chapter
MAX_CHAPTER_S = 900.0  # no chapter runs past 15 minutes without a cut
DEPTH_FLOOR = 0.1  # a similarity dip shallower than this is noise, not a topic change


def chapter_lengths(duration: float) -> tuple[float, float]:
    """Shortest and longest chapter for a lecture of ``duration`` seconds."""
    shortest = max(MIN_CHAPTER_S, duration / 15)
    longest = max(3 * shortest, min(duration / 2, MAX_CHAPTER_S))
    return shortest, longest


def gap_similarity(vectors: np.ndarray, window: int) -> np.ndarray:
    """Cosine similarity between the ``window`` sentences before and after each gap."""
    sims = []
    for gap in range(1, len(vectors)):
        left = vectors[max(0, gap - window) : gap].mean(axis=0)
        right = vectors[gap : gap + window].mean(axis=0)
        sims.append(float(left @ right / (np.linalg.norm(left) * np.linalg.norm(right) + 1e-9)))
    return np.array(sims)


def depth_scores(sims: np.ndarray) -> np.ndarray:
    """TextTiling depth: how far a gap's similarity lies below the peaks on either side."""
    depth = np.zeros_like(sims)
    for i, value in enumerate(sims):
        left = i
        while left > 0 and sims[left - 1] >= sims[left]:
            left -= 1
        right = i
        while right < len(sims) - 1 and sims[right + 1] >= sims[right]:
            right += 1
        depth[i] = (sims[left] - value) + (sims[right] - value)
    return depth


def chapter_bounds(
    vectors: np.ndarray, starts: list[float], duration: float, min_window: int = 2
) -> list[tuple[int, int]]:
    """Split sentences ``[0, n)`` into chapters ``[(a, b), ...]`` at topic changes.

    A cut goes where similarity between neighbouring windows dips deepest, if the dip is
    clearly deeper than usual for this lecture and both sides stay longer than the shortest
    chapter; a chapter still longer than the longest allowed is cut at its deepest dip.
    """
    n = len(starts)
    shortest, longest = chapter_lengths(duration)
    if n < 4 or duration < 2 * shortest:
        return [(0, n)]
    # Sparse vectors (word stems) share little between two sentences: they need wider windows.
    window = max(min_window, min(5, n // 8))
    depth = depth_scores(gap_similarity(vectors, window))
    threshold = max(DEPTH_FLOOR, float(depth.mean() + 0.5 * depth.std()))
    times = [*starts, duration]  # times[i]: start of sentence i; times[n]: the end

    def fits(cut: int, cuts: list[int]) -> bool:
        edges = sorted([0, n, *cuts, cut])
        i = edges.index(cut)
        return times[cut] - times[edges[i - 1]] >= shortest and (
            times[edges[i + 1]] - times[cut] >= shortest
        )

    order = [int(g) + 1 for g in np.argsort(-depth, kind="stable")]  # gap g precedes sentence g+1
    cuts: list[int] = []
    for cut in order:
        if depth[cut - 1] >= threshold and fits(cut, cuts):
            cuts.append(cut)
    for cut in order:  # too-long chapters: cut at the deepest dip that still fits
        edges = sorted([0, n, *cuts])
        too_long = any(a < cut < b and times[b] - times[a] > longest for a, b in pairwise(edges))
        if too_long and fits(cut, cuts):
            cuts.append(cut)
    edges = sorted([0, n, *cuts])
    return list(pairwise(edges))


def snap(
    bounds: list[tuple[int, int]], starts: list[float], changes: list[float], reach: float
) -> list[tuple[int, int]]:
    """Move each cut to the sentence nearest a slide change within ``reach`` seconds: a topic
    change in speech is fuzzy by a sentence or two, a change of slide is exact."""
    if len(bounds) < 2 or not changes:
        return bounds
    cuts = [a for a, _ in bounds[1:]]
    moved = []
    for cut in cuts:
        change = min(changes, key=lambda t: abs(t - starts[cut]))
        if abs(change - starts[cut]) <= reach:
            cut = min(range(1, len(starts)), key=lambda i: abs(starts[i] - change))
        moved.append(cut)
    edges = sorted({0, *moved, len(starts)})
    return list(pairwise(edges))
