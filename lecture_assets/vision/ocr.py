"""Slide text by Tesseract (the system package), cleaned, with the slide's title.

Tesseract is called as a program, one language per call (faster and cleaner than ``eng+rus``),
and asked for TSV: every word with its box and confidence, so the title can be told by its size
and a bullet by its shape rather than by guessing from plain text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from konspekt.errors import KonspektError

# Tesseract's names for the lecture languages; the first is tried first when the lecture's
# language is not configured.
TESSERACT_LANGUAGES = {"en": "eng", "ru": "rus"}
MIN_CONFIDENCE = 45.0  # below this a "word" is usually a texture read as letters
MIN_LETTERS = 8  # fewer readable letters than this on a frame: no slide (a face, a plain wall)
SURE = 75.0  # a reading this confident is not retried in the other language ...
SURE_COVERAGE = 0.8  # ... if it kept this share of the letters seen

_BULLETS = set("•●○◦▪▫■□◆◇►▶▸‣⁃∙·*-–—>»«®©°oOeеоо")
_KEEP_SYMBOLS = set("=+−-×÷<>≤≥≈≠→←↔%/^()[]{}|∑∫√π∞±·.,:;!?'\"«»")


class OcrUnavailable(KonspektError):
    """No usable Tesseract on this machine."""


@dataclass(frozen=True)
class Engine:
    program: str
    version: str
    languages: tuple[str, ...]  # Tesseract codes installed that we use

    def describe(self) -> dict[str, str]:
        return {"engine": f"tesseract {self.version}", "languages": "+".join(self.languages)}


@dataclass(frozen=True)
class Reading:
    title: str
    text: str  # cleaned lines, title first, one line each
    confidence: float  # mean word confidence, 0-100
    letters: int
    language: str  # the Tesseract code that read it
    # Share of the letters Tesseract saw that were kept: a Russian slide read as English keeps
    # a confident few ("Ha", "CeTAX") and drops the rest.
    coverage: float = 1.0

    @property
    def readable(self) -> bool:
        return self.letters >= MIN_LETTERS


@cache
def engine() -> Engine:
    """The installed Tesseract, or OcrUnavailable saying what to install."""
    program = shutil.which("tesseract")
    if not program:
        raise OcrUnavailable(
            "Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng "
            "tesseract-ocr-rus, or run `make run` as root)."
        )
    proc = subprocess.run([program, "--list-langs"], capture_output=True, text=True)
    installed = set(proc.stdout.split()[1:]) if proc.returncode == 0 else set()
    usable = tuple(code for code in TESSERACT_LANGUAGES.values() if code in installed)
    if not usable:
        raise OcrUnavailable(
            "Tesseract has neither English nor Russian installed "
            "(apt-get install tesseract-ocr-eng tesseract-ocr-rus)."
        )
    version = subprocess.run([program, "--version"], capture_output=True, text=True)
    first = (version.stdout or version.stderr).split()
    return Engine(program, first[1] if len(first) > 1 else "?", usable)


def languages_for(language: str, available: tuple[str, ...]) -> list[str]:
    """Tesseract languages to try, best first: the lecture's own language when it is known."""
    preferred = TESSERACT_LANGUAGES.get(language or "")
    order = [preferred] if preferred in available else []
    return order + [code for code in available if code not in order]


def read_slide(image: Path, languages: list[str]) -> Reading:
    """Read ``image`` in the first language; a doubtful reading is read again in the next ones
    and the better kept (Russian slides read as English come back as low-confidence debris)."""
    best: Reading | None = None
    image = prepare(image)
    for code in languages:
        reading = _read(image, code)
        if best is None or _score(reading) > _score(best):
            best = reading
        if best.readable and best.confidence >= SURE and best.coverage >= SURE_COVERAGE:
            break
    assert best is not None, "at least one language"
    return best


def _score(reading: Reading) -> float:
    return reading.letters * reading.confidence


# A frame narrower than this is read at twice its size: Tesseract wants letters 20+ px tall.
# (Enlarging a 960 px frame to 1280 made it misread bold titles: only small ones are enlarged.)
SMALL_WIDTH = 800


def prepare(image: Path) -> Path:
    """A grey copy of ``image`` that Tesseract reads well: grain removed (3x3 median), light
    text on a dark band (a title bar, a dark theme) turned dark-on-light, a small frame
    enlarged. Measured on 27 frames of our test decks: every title read, against 24 from the
    frames as they are."""
    import numpy as np
    from PIL import Image, ImageFilter

    target = image.with_name(f"{image.stem}.ocr.png")
    with Image.open(image) as original:
        grey = original.convert("L").filter(ImageFilter.MedianFilter(3))
    if grey.width < SMALL_WIDTH:
        grey = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey)
    pixels = pixels.astype(np.float32)
    # A dark row is part of a title bar or a dark slide: inverted, its light letters become
    # dark ones on light, as Tesseract reads best. Dark is judged at both margins, where no
    # text reaches (a large bold title darkens the middle of its rows; a side bar only one
    # margin).
    margin = max(2, grey.width // 20)
    dark_rows = (np.median(pixels[:, :margin], axis=1) < 128) & (
        np.median(pixels[:, -margin:], axis=1) < 128
    )
    # A few rows unlike those around them are a rule or a border, too thin to hold text:
    # they end up white (inverted with the rest, the margins beside a rule would turn into a
    # dark stub that Tesseract reads as "__" and joins to the title, dragging it down).
    thin = max(4, grey.height // 60)
    rules = [(a, b) for a, b in _runs(dark_rows) + _runs(~dark_rows) if b - a < thin]
    pixels[dark_rows] = 255 - pixels[dark_rows]
    # Then every row's background (its 80th percentile: letters cover less of any row, even
    # a bold title's) is brought to white: Tesseract takes a grey band for a picture and looks
    # for no text in it.
    background = np.maximum(np.percentile(pixels, 80, axis=1, keepdims=True), 1.0)
    pixels = np.clip(pixels * (255.0 / background), 0, 255).astype(np.uint8)
    for start, stop in rules:
        pixels[start:stop] = 255
    Image.fromarray(pixels).save(target)
    return target


def _runs(flags) -> list[tuple[int, int]]:
    """[start, stop) of each run of True in a 1-D boolean array."""
    import numpy as np

    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _read(image: Path, code: str) -> Reading:
    program = engine().program
    # One thread per call: the caller runs a call per core, and Tesseract's own OpenMP threads
    # only fight over the same cores.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    proc = subprocess.run(
        [program, str(image), "stdout", "-l", code, "--psm", "3", "tsv"],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
    )
    if proc.returncode != 0:
        raise OcrUnavailable(f"Tesseract failed on {image.name}: {proc.stderr.strip()[:200]}")
    return _parse(proc.stdout, code)


@dataclass
class _Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


def _parse(tsv: str, code: str) -> Reading:
    lines: dict[tuple[int, int, int], list[_Word]] = {}
    page = (0, 0)
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) >= 10 and cells[0] == "1":
            page = (int(cells[8]), int(cells[9]))
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        block, par, line = int(cells[2]), int(cells[3]), int(cells[4])
        left, top, width, height = (int(c) for c in cells[6:10])
        word = _Word(cells[11].strip(), left, top, width, height, float(cells[10]))
        if not _at_edge(word, page):
            lines.setdefault((block, par, line), []).append(word)
    seen = sum(_letters(w.text) for words in lines.values() for w in words)
    visual = [
        _drop_bullet(sorted(ws, key=lambda w: w.left)) for ws in _visual_lines(list(lines.values()))
    ]
    sure = [[w for w in words if _keep(w)] for words in visual]
    letters = sum(_letters(w.text) for words in sure for w in words)
    confidences = [w.confidence for words in sure for w in words if _letters(w.text)]
    if letters >= MIN_LETTERS:
        # A slide for certain: a doubtful word that looks like a word of its language stays
        # (Tesseract gave a cleanly printed "Eigenvalues" 20%).
        sure = [[w for w in words if _keep(w) or _plausible(w, code)] for words in visual]
    cleaned: list[tuple[list[_Word], float]] = []
    for kept in sure:
        if kept and any(_letters(w.text) for w in kept):
            heights = sorted(w.height for w in kept if _letters(w.text))
            cleaned.append((kept, float(heights[len(heights) // 2])))
    cleaned.sort(key=lambda item: min(w.top for w in item[0]))
    texts = [_join(words) for words, _ in cleaned]
    title = ""
    if cleaned:
        # The title: the tallest of the first three lines (a heading is set larger), else the
        # first line.
        head = cleaned[:3]
        tallest = max(range(len(head)), key=lambda i: head[i][1])
        title = texts[tallest] if head[tallest][1] >= 1.15 * head[0][1] else texts[0]
        if title != texts[0]:
            texts.remove(title)
            texts.insert(0, title)
    return Reading(
        title=title,
        text="\n".join(texts),
        confidence=sum(confidences) / len(confidences) if confidences else 0.0,
        letters=letters,
        language=code,
        coverage=letters / seen if seen else 0.0,
    )


def _visual_lines(lines: list[list[_Word]]) -> list[list[_Word]]:
    """Tesseract's lines, joined where they are one line on the slide: a wide space in a title
    (a centred or monospaced one) can make Tesseract start a new block mid-line. Two lines are
    one when they share most of their height, their letters are of a size, and the gap between
    them is a few letters wide (a second column starts further away)."""
    merged: list[list[_Word]] = []
    for words in sorted(lines, key=lambda ws: min(w.left for w in ws)):
        top, bottom = min(w.top for w in words), max(w.bottom for w in words)
        for line in merged:
            line_top, line_bottom = min(w.top for w in line), max(w.bottom for w in line)
            overlap = min(bottom, line_bottom) - max(top, line_top)
            shorter = min(bottom - top, line_bottom - line_top)
            taller = max(bottom - top, line_bottom - line_top)
            gap = min(w.left for w in words) - max(w.right for w in line)
            if (
                overlap >= 0.6 * shorter
                and shorter >= 0.7 * taller
                and -shorter < gap <= 2.5 * taller
            ):
                line.extend(words)
                break
        else:
            merged.append(list(words))
    return merged


def _drop_bullet(words: list[_Word]) -> list[_Word]:
    """A bullet comes back as a one-character word ('e', '®', '•'), smaller than the letters."""
    if len(words) < 2:
        return words
    first, rest = words[0], words[1:]
    letter_height = max(w.height for w in rest)
    small = first.height <= 0.8 * letter_height
    glyphs = all(c in _BULLETS or not c.isalnum() for c in first.text)
    if len(first.text) <= 2 and glyphs and (small or not first.text.isalpha()):
        return rest
    return words


def _keep(word: _Word) -> bool:
    if word.confidence < MIN_CONFIDENCE or _debris(word.text) or _sliver(word):
        return False
    if _letters(word.text) or any(c.isdigit() for c in word.text):
        return True
    return all(c in _KEEP_SYMBOLS for c in word.text) and len(word.text) <= 3


def _debris(text: str) -> bool:
    """A long "word" of two or three letters over and over ("OeeeEeeeee"): the edge of a shape
    read as text, not a word of any language."""
    letters = [c.lower() for c in text if c.isalpha()]
    return len(letters) >= 6 and len(set(letters)) <= 3


def _at_edge(word: _Word, page: tuple[int, int]) -> bool:
    """A box touching the frame's edge: the border of the picture or of a bar, not text."""
    width, height = page
    if not width or not height:
        return False
    return word.left <= 1 or word.top <= 1 or word.right >= width - 1 or word.bottom >= height - 1


_SCRIPT = {"eng": re.compile(r"[A-Za-z]"), "rus": re.compile(r"[А-Яа-яЁё]")}
_VOWELS = set("aeiouyаеёиоуыэюя")
RESCUE_CONFIDENCE = 15.0


def _plausible(word: _Word, code: str) -> bool:
    """A doubtful word that reads like a word of ``code``: four letters or more of its script,
    a vowel among them, and in one case or capitalised ("CeTAX", Russian read as English, is
    not)."""
    text = word.text.strip(".,:;!?")
    letters = re.sub(r"[-'’]", "", text)
    script = _SCRIPT.get(code)
    if word.confidence < RESCUE_CONFIDENCE or len(letters) < 4 or _debris(text):
        return False
    if script is None or not all(script.match(c) for c in letters):
        return False
    cased = (
        letters.islower() or letters.isupper() or (letters[0].isupper() and letters[1:].islower())
    )
    return cased and any(c.lower() in _VOWELS for c in letters)


def _sliver(word: _Word) -> bool:
    """A box far too narrow for its letters ("WN" 17 px wide and 173 tall): the edge of a bar
    or a figure, read as text. Letters are at least a quarter as wide as they are tall, but
    for the thin ones (i, l, 1), which are allowed alone."""
    return len(word.text) >= 2 and word.width < 0.2 * word.height * len(word.text)


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")


def _join(words: list[_Word]) -> str:
    text = " ".join(w.text for w in words)
    text = text.strip(" |_~`")
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)
