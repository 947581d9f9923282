"""Slide detection on decks it was never tuned on, scored against the truth.

    python bench/slides_heldout.py [--seed 7] [--decks 30] [--keep DIR]

The decks come from a seeded generator of their own, unlike the tests' (tests/helpers/slides.py):
other fonts (serif, mono, STIX), themes (dark, gradient, side bar, beige), layouts (two columns,
a chart with a caption, numbered lists, code, a footer with the slide number), sizes from 640x360
to 1920x1080 and 4:3, cuts or cross-fades, bullets appearing one by one, a slide shown again,
camera grain, blur, heavy compression, and encoders that set keyframes at scene cuts, every
2 s, or every 10 s without scene cuts. Some decks are Russian. Videos with no slides (textures,
gradients, test patterns) are scored too: any slide found there is a false one.

Prints a line per video, then the totals: decks with exactly the right slides, starts within
2 s of the true change, titles read exactly (case and spacing aside) and their character error
rate.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lecture_assets.asr.media import ffmpeg_exe
from lecture_assets.layout import LectureFolder
from lecture_assets.vision.slides import find_slides

TOLERANCE_S = 2.0
# A slide that builds up holds each step this long at least: a bullet is talked about for a
# while (at 2 s a step under 1 s fades, no step holds still for the 1.5 s a slide needs).
REVEAL_STEP_S = 3.0

EN_TITLES = [
    "Gradient descent",
    "Convex functions",
    "Lagrange multipliers",
    "Eigenvalues",
    "Fourier series",
    "Markov chains",
    "Bayes theorem",
    "Linear regression",
    "Red-black trees",
    "Heap sort",
    "Amortised analysis",
    "Network flows",
    "Matrix factorisation",
    "Entropy and coding",
    "Ohm's law",
    "Maxwell equations",
    "Thermodynamics",
    "Protein folding",
    "Cache coherence",
    "Virtual memory",
    "Deadlock avoidance",
    "Public key cryptography",
    "Finite automata",
    "Context-free grammars",
    "Turing machines",
    "Random variables",
    "Central limit theorem",
    "Hypothesis testing",
    "Principal components",
    "Support vector machines",
    "Backpropagation",
    "Recurrent networks",
    "Attention mechanism",
    "Type inference",
    "Garbage collection",
]
EN_WORDS = (
    "the step size controls convergence every local minimum is global for convex problems "
    "constraints enter through multipliers a matrix has real eigenvalues when symmetric periodic "
    "signals decompose into harmonics the next state depends only on the current one prior times "
    "likelihood gives the posterior least squares minimises residuals rotations keep the tree "
    "balanced the heap property holds at every node average cost per operation stays constant "
    "capacity limits each edge low rank approximations compress data information is measured in "
    "bits pages map to frames a lock order prevents cycles keys come in pairs states accept words"
).split()
RU_TITLES = [
    "Градиентный спуск",
    "Выпуклые функции",
    "Собственные значения",
    "Ряды Фурье",
    "Цепи Маркова",
    "Теорема Байеса",
    "Линейная регрессия",
    "Красно-чёрные деревья",
    "Пирамидальная сортировка",
    "Потоки в сетях",
    "Энтропия и кодирование",
    "Закон Ома",
    "Виртуальная память",
    "Конечные автоматы",
    "Машины Тьюринга",
    "Случайные величины",
    "Проверка гипотез",
    "Сборка мусора",
    "Нейронные сети",
    "Динамическое программирование",
]
RU_WORDS = (
    "шаг обучения определяет сходимость каждый локальный минимум глобален матрица имеет "
    "вещественные собственные значения сигнал раскладывается на гармоники следующее состояние "
    "зависит только от текущего метод наименьших квадратов минимизирует невязку дерево остаётся "
    "сбалансированным пропускная способность ограничивает каждое ребро страницы отображаются "
    "на кадры автомат принимает слова язык задаётся грамматикой"
).split()

SIZES = [(1920, 1080), (1280, 720), (1024, 768), (960, 540), (800, 600), (854, 480), (640, 360)]
THEMES = {
    "paper": dict(background=(255, 255, 255), ink=(10, 10, 10), accent=(200, 30, 30)),
    "night": dict(background=(18, 24, 48), ink=(235, 235, 235), accent=(255, 200, 60)),
    "beige": dict(background=(245, 236, 215), ink=(60, 40, 20), accent=(120, 60, 20)),
    "slate": dict(background=(50, 56, 64), ink=(250, 250, 250), accent=(120, 200, 255)),
    "gradient": dict(background=(225, 235, 250), ink=(15, 25, 60), accent=(40, 90, 170)),
    "sidebar": dict(background=(250, 250, 250), ink=(30, 30, 30), accent=(0, 110, 90)),
}
FONTS = {  # matplotlib's bundled faces: (regular, bold); all have Cyrillic but cmr.
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    "stix": ("STIXGeneral.ttf", "STIXGeneralBol.ttf"),
}


@dataclass
class Slide:
    title: str
    lines: list[str]
    layout: str  # bullets | numbered | columns | chart | code
    reveal: int = 0  # shows its lines one by one over this many steps (0: all at once)
    seed: int = 0


@dataclass
class Deck:
    name: str
    language: str
    size: tuple[int, int]
    theme: str
    font: str
    slides: list[Slide]
    order: list[int]  # slide indices as shown (an index twice: shown again)
    seconds: list[float]
    fade: float
    grain: int
    blur: float
    crf: int
    encoder: str  # scenecut | every2s | every10s | vp9
    fps: int
    footer: str
    truth: list[tuple[int, float]] = field(default_factory=list)  # (slide, first start)


def make_deck(rng: random.Random, number: int) -> Deck:
    language = "ru" if rng.random() < 0.3 else "en"
    titles, words = (RU_TITLES, RU_WORDS) if language == "ru" else (EN_TITLES, EN_WORDS)
    count = rng.randint(3, 6)
    slides = []
    for title in rng.sample(titles, count):
        layout = rng.choice(["bullets", "bullets", "numbered", "columns", "chart", "code"])
        if language == "ru" and layout == "code":
            layout = "bullets"
        lines = [
            " ".join(rng.sample(words, rng.randint(3, 6))).capitalize()
            for _ in range(rng.randint(2, 4))
        ]
        if layout == "code":
            lines = [
                f"def {title.split()[0].lower()}(x):",
                f"    return x * {rng.randint(2, 9)}",
                f"print({rng.randint(10, 99)})",
            ]
        reveal = len(lines) if layout in ("bullets", "numbered") and rng.random() < 0.2 else 0
        slides.append(Slide(title, lines, layout, reveal, rng.randrange(1 << 30)))
    order = list(range(count))
    if rng.random() < 0.35:
        order.append(rng.randrange(count - 1))  # back to an earlier slide
    encoder = rng.choice(["scenecut", "scenecut", "every2s", "every10s", "vp9"])
    return Deck(
        name=f"deck{number:02d}",
        language=language,
        size=rng.choice(SIZES),
        theme=rng.choice(list(THEMES)),
        font=rng.choice(list(FONTS)),
        slides=slides,
        order=order,
        seconds=[round(rng.uniform(4.5, 16.0), 1) for _ in order],
        fade=rng.choice([0.0, 0.0, 0.5, 1.0]),
        grain=rng.choice([0, 0, 8, 16, 28]),
        blur=rng.choice([0.0, 0.0, 0.6, 1.0]),
        crf=rng.choice([23, 28, 33, 38]),
        encoder=encoder,
        fps=rng.choice([15, 25, 30]),
        footer=rng.choice(
            ["", "CS-101 · Spring term", "Лекция 3" if language == "ru" else "Lecture 3"]
        ),
    )


def _font(name: str, size: int, bold: bool):
    import matplotlib
    from PIL import ImageFont

    regular, heavy = FONTS[name]
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return ImageFont.truetype(str(folder / (heavy if bold else regular)), size)


def draw(deck: Deck, slide: Slide, page: int, visible: int, path: Path) -> None:
    """One picture of ``slide`` with its first ``visible`` lines."""
    from PIL import Image, ImageDraw

    width, height = deck.size
    theme = THEMES[deck.theme]
    unit = min(width / 1280, height / 720)
    image = Image.new("RGB", deck.size, theme["background"])
    pen = ImageDraw.Draw(image)
    if deck.theme == "gradient":
        for y in range(height):
            shade = int(40 * y / height)
            pen.line([(0, y), (width, y)], fill=(225 - shade, 235 - shade, 250 - shade // 2))
    left = round(70 * unit)
    if deck.theme == "sidebar":
        pen.rectangle([0, 0, round(40 * unit), height], fill=theme["accent"])
        left += round(40 * unit)
    title_font = _font(deck.font, round(rnd_size(slide, 46, 60) * unit), bold=True)
    body_font = _font(deck.font, round(rnd_size(slide, 26, 34) * unit), bold=False)
    centred = slide.seed % 3 == 0
    box = pen.textbbox((0, 0), slide.title, font=title_font)
    x = (width - (box[2] - box[0])) // 2 if centred else left
    pen.text((x, round(45 * unit)), slide.title, font=title_font, fill=theme["ink"])
    rule_y = round(125 * unit)
    pen.line(
        [(left, rule_y), (width - left, rule_y)],
        fill=theme["accent"],
        width=max(2, round(3 * unit)),
    )
    y = round(165 * unit)
    lines = slide.lines[:visible]
    step = round(58 * unit)
    if slide.layout in ("bullets", "numbered"):
        for i, line in enumerate(lines):
            mark = f"{i + 1}." if slide.layout == "numbered" else "–" if slide.seed % 2 else "▪"
            pen.text((left, y), mark, font=body_font, fill=theme["accent"])
            pen.text((left + round(45 * unit), y), line, font=body_font, fill=theme["ink"])
            y += step
    elif slide.layout == "columns":
        half = (width - 2 * left) // 2
        small = _font(deck.font, round(24 * unit), bold=False)
        for i, line in enumerate(lines):
            column, row = i % 2, i // 2
            words = line.split()
            for k, part in enumerate([" ".join(words[:3]), " ".join(words[3:])]):
                pen.text(
                    (left + column * half, y + row * 2 * step + k * round(34 * unit)),
                    part,
                    font=small,
                    fill=theme["ink"],
                )
    elif slide.layout == "code":
        mono = _font("mono", round(28 * unit), bold=False)
        pen.rectangle(
            [left - 10, y - 10, width - left, y + len(lines) * step], fill=(235, 235, 235)
        )
        for line in lines:
            pen.text((left, y), line, font=mono, fill=(20, 20, 20))
            y += step
    else:  # a chart and a caption
        chart = random.Random(slide.seed)
        base, bar_w = round(height * 0.8), round(50 * unit)
        for k in range(6):
            bar_h = round(chart.uniform(0.1, 0.45) * height)
            x0 = left + k * round(80 * unit)
            pen.rectangle([x0, base - bar_h, x0 + bar_w, base], fill=theme["accent"])
        pen.line([(left - 10, base), (left + round(500 * unit), base)], fill=theme["ink"], width=2)
        caption_x = left + round(560 * unit)
        for i, line in enumerate(lines[:3]):
            pen.text(
                (caption_x, round(220 * unit) + i * step),
                " ".join(line.split()[:3]),
                font=body_font,
                fill=theme["ink"],
            )
    if deck.footer:
        foot = _font(deck.font, round(18 * unit), bold=False)
        pen.text((left, height - round(40 * unit)), deck.footer, font=foot, fill=theme["ink"])
        pen.text(
            (width - round(90 * unit), height - round(40 * unit)),
            f"{page}",
            font=foot,
            fill=theme["ink"],
        )
    image.save(path)


def rnd_size(slide: Slide, low: int, high: int) -> int:
    return low + slide.seed % (high - low + 1)


def build(deck: Deck, target: Path, work: Path) -> None:
    """Pictures (a slide that reveals its lines gets one per step), then the video, with the
    true first start of each distinct slide in ``deck.truth``."""
    pictures: list[tuple[Path, float, int]] = []  # picture, seconds, slide
    for shown, (index, seconds) in enumerate(zip(deck.order, deck.seconds, strict=True)):
        slide = deck.slides[index]
        steps = slide.reveal if slide.reveal and shown == deck.order.index(index) else 1
        for step in range(steps):
            visible = step + 1 if steps > 1 else len(slide.lines)
            path = work / f"{shown:02d}-{step}.png"
            draw(deck, slide, index + 1, visible, path)
            pictures.append((path, max(seconds / steps, REVEAL_STEP_S), index))
    cmd = [ffmpeg_exe(), "-hide_banner", "-v", "error", "-y"]
    fade = deck.fade
    for path, seconds, _ in pictures:
        cmd += [
            "-loop",
            "1",
            "-framerate",
            str(deck.fps),
            "-t",
            f"{seconds + fade:.2f}",
            "-i",
            str(path),
        ]
    chain = "".join(f"[{i}:v]format=yuv420p,setsar=1[v{i}];" for i in range(len(pictures)))
    starts, at, last = [], 0.0, "v0"
    for i, (_, seconds, _) in enumerate(pictures):
        starts.append(at + (fade / 2 if i and fade else 0.0))
        if i:
            if fade:
                chain += (
                    f"[{last}][v{i}]xfade=transition=fade:duration={fade}:offset={at:.2f}[x{i}];"
                )
            else:
                chain += f"[{last}][v{i}]concat=n=2:v=1:a=0[x{i}];"
            last = f"x{i}"
        at += seconds
    total = at + fade
    effects = []
    if deck.blur:
        effects.append(f"gblur=sigma={deck.blur}")
    if deck.grain:
        effects.append(f"noise=alls={deck.grain}:allf=t+u")
    chain += f"[{last}]" + (",".join(effects) or "null") + "[out]"
    cmd += ["-filter_complex", chain, "-map", "[out]", "-t", f"{total:.2f}", "-r", str(deck.fps)]
    if deck.encoder == "vp9":
        cmd += ["-c:v", "libvpx-vp9", "-b:v", "250k", "-deadline", "realtime", "-cpu-used", "8"]
    else:
        cmd += [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            str(deck.crf),
            "-pix_fmt",
            "yuv420p",
        ]
        if deck.encoder == "every2s":
            cmd += ["-g", str(2 * deck.fps), "-sc_threshold", "0"]
        elif deck.encoder == "every10s":
            cmd += ["-g", str(10 * deck.fps), "-sc_threshold", "0"]
    cmd.append(str(target))
    subprocess.run(cmd, check=True, capture_output=True)
    seen: set[int] = set()
    deck.truth = []
    for (_, _, index), start in zip(pictures, starts, strict=True):
        if index not in seen:
            seen.add(index)
            deck.truth.append((index, start))


def no_slide_videos(work: Path) -> list[Path]:
    """Videos with no slide in them: textures and patterns, a gradient, a plain colour."""
    sources = {
        "mandelbrot.mp4": "mandelbrot=size=960x540:rate=25",
        "life.mp4": "life=size=640x360:rate=25:mold=10:ratio=0.3",
        "bars.mp4": "smptehdbars=size=1280x720:rate=25",
        "gradient.mp4": "gradients=size=1280x720:speed=0.02:rate=25",
        "cells.mp4": "cellauto=size=960x540:rate=25:rule=110",
        "colour.mp4": "color=c=0x336699:size=1280x720:rate=25",
    }
    made = []
    for name, source in sources.items():
        target = work / name
        subprocess.run(
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                source,
                "-t",
                "20",
                "-vf",
                "noise=alls=10:allf=t",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                str(target),
            ],
            check=True,
            capture_output=True,
        )
        made.append(target)
    return made


def character_error_rate(truth: str, read: str) -> float:
    previous = list(range(len(read) + 1))
    for i, a in enumerate(truth, 1):
        current = [i]
        for j, b in enumerate(read, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1] / max(len(truth), 1)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def score(deck: Deck, found) -> dict:
    """Each true slide against the found slide that starts nearest to it."""
    truth = [(deck.slides[i].title, start) for i, start in deck.truth]
    got = [(s.title, s.start) for s in found.slides]
    starts_ok = titles_ok = 0
    cers, errors = [], []
    for title, start in truth:
        if not got:
            cers.append(1.0)
            continue
        read, at = min(got, key=lambda g: abs(g[1] - start))
        errors.append(abs(at - start))
        starts_ok += errors[-1] <= TOLERANCE_S
        titles_ok += _norm(read) == _norm(title)
        cers.append(character_error_rate(_norm(title), _norm(read)))
    return {
        "count": len(got) == len(truth),
        "true": len(truth),
        "found": len(got),
        "starts": starts_ok,
        "titles": titles_ok,
        "cer": sum(cers) / len(cers),
        "worst": max(errors, default=0.0),
        "got": got,
        "truth": truth,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--decks", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="keep the videos in this folder")
    parser.add_argument("--only", help="run only the decks whose name contains this")
    args = parser.parse_args()
    if shutil.which("tesseract") is None:
        sys.exit("Tesseract is not installed: run `bash scripts/install-system-packages.sh run`.")
    rng = random.Random(args.seed)
    decks = [make_deck(rng, n) for n in range(1, args.decks + 1)]
    work = args.keep or Path(tempfile.mkdtemp(prefix="konspekt-heldout-"))
    work.mkdir(parents=True, exist_ok=True)
    totals = dict(decks=0, exact=0, true=0, starts=0, titles=0, cer=0.0, seconds=0.0)
    for deck in decks:
        if args.only and args.only not in deck.name:
            continue
        video = work / f"{deck.name}.{'webm' if deck.encoder == 'vp9' else 'mp4'}"
        frames = work / f"{deck.name}-frames"
        frames.mkdir(exist_ok=True)
        build(deck, video, frames)
        started = time.perf_counter()
        found = find_slides(
            video, LectureFolder(work / f"{deck.name}-out"), progress=lambda _: None
        )
        took = time.perf_counter() - started
        result = score(deck, found)
        totals["decks"] += 1
        totals["exact"] += result["count"]
        totals["true"] += result["true"]
        totals["starts"] += result["starts"]
        totals["titles"] += result["titles"]
        totals["cer"] += result["cer"] * result["true"]
        totals["seconds"] += took
        flag = (
            "ok "
            if result["count"] and result["starts"] == result["titles"] == result["true"]
            else "BAD"
        )
        print(
            f"{flag} {deck.name} {deck.language} {deck.size[0]}x{deck.size[1]} "
            f"{deck.theme}/{deck.font} "
            f"fade={deck.fade} grain={deck.grain} blur={deck.blur} crf={deck.crf} {deck.encoder} "
            f"{deck.fps}fps: {result['found']}/{result['true']} slides, starts {result['starts']}, "
            f"titles {result['titles']}, worst {result['worst']:.2f} s, {took:.1f} s",
            flush=True,
        )
        if flag == "BAD":
            print(f"    truth {[(t, round(s, 1)) for t, s in result['truth']]}")
            print(f"    found {[(t, round(s, 1)) for t, s in result['got']]}")
    false_slides = 0
    for video in no_slide_videos(work):
        found = find_slides(
            video, LectureFolder(work / f"{video.stem}-out"), progress=lambda _: None
        )
        false_slides += len(found.slides)
        print(
            f"{'ok ' if not found.slides else 'BAD'} {video.name}: {len(found.slides)} slides "
            f"{[s.title for s in found.slides]}"
        )
    n, true = totals["decks"], max(totals["true"], 1)
    print(
        f"\n{n} decks: {totals['exact']} with exactly the right number of slides; "
        f"of {totals['true']} slides, {totals['starts']} start within {TOLERANCE_S:g} s, "
        f"{totals['titles']} titles read exactly (mean title CER {totals['cer'] / true:.3f}); "
        f"{totals['seconds'] / max(n, 1):.1f} s a deck. "
        f"Slides found in videos without any: {false_slides}."
    )


if __name__ == "__main__":
    main()
