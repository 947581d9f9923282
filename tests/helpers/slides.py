"""Slide videos made on the spot: PIL draws the slides, ffmpeg holds each for its time.

Used by the slide tests and bench/slides.py. Each slide is a title and bullets on a plain or
banded background; a video can add camera grain (ffmpeg ``noise``), a slow zoom, a moving
cursor, and a soundtrack.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from lecture_assets.asr.media import ffmpeg_exe


@dataclass(frozen=True)
class SlideSpec:
    title: str
    bullets: list[str] = field(default_factory=list)
    seconds: float = 8.0
    background: tuple[int, int, int] = (250, 250, 245)
    ink: tuple[int, int, int] = (20, 20, 30)
    band: tuple[int, int, int] | None = (30, 60, 120)  # a coloured title band, or None
    rule: tuple[int, int, int] | None = None  # a coloured line under the title, or None
    footer: str = ""  # small print at the bottom (a course name)


def font(size: int, bold: bool = False):
    import matplotlib
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)


def render(spec: SlideSpec, path: Path, size: tuple[int, int] = (1280, 720)) -> Path:
    from PIL import Image, ImageDraw

    width, height = size
    scale = height / 720
    image = Image.new("RGB", size, spec.background)
    draw = ImageDraw.Draw(image)
    title_font, body_font = font(round(54 * scale), bold=True), font(round(34 * scale))
    top = round(40 * scale)
    title_ink = spec.ink
    if spec.band:
        draw.rectangle([0, 0, width, round(130 * scale)], fill=spec.band)
        title_ink = (255, 255, 255)
    draw.text((round(60 * scale), top), spec.title, font=title_font, fill=title_ink)
    if spec.rule:
        line_y = round(125 * scale)
        draw.line(
            [(round(60 * scale), line_y), (width - round(60 * scale), line_y)],
            fill=spec.rule,
            width=max(2, round(3 * scale)),
        )
    if spec.footer:
        draw.text(
            (round(60 * scale), height - round(40 * scale)),
            spec.footer,
            font=font(round(18 * scale)),
            fill=spec.ink,
        )
    y = round(180 * scale)
    for bullet in spec.bullets:
        draw.ellipse(
            [round(70 * scale), y + round(14 * scale), round(84 * scale), y + round(28 * scale)],
            fill=spec.ink,
        )
        draw.text((round(110 * scale), y), bullet, font=body_font, fill=spec.ink)
        y += round(62 * scale)
    image.save(path)
    return path


def plain(path: Path, colour=(20, 20, 120), size: tuple[int, int] = (640, 360)) -> Path:
    from PIL import Image

    Image.new("RGB", size, colour).save(path)
    return path


def slide_video(
    slides: list[SlideSpec],
    target: Path,
    size: tuple[int, int] = (1280, 720),
    grain: int = 0,
    zoom: bool = False,
    cursor: bool = False,
    audio: Path | None = None,
    fps: int = 25,
    frames: list[Path] | None = None,
    codec: str = "libx264",
    fade: float = 0.0,
) -> list[float]:
    """Write the video; returns each slide's true start time in seconds (with ``fade``, a
    cross-fade of that many seconds between slides, the middle of the fade).

    ``frames`` replaces the rendered slides by ready images (one per entry of ``slides``, whose
    ``seconds`` still apply).
    """
    work = target.parent / f".{target.stem}-frames"
    work.mkdir(parents=True, exist_ok=True)
    images = frames or [render(s, work / f"{i:03d}.png", size) for i, s in enumerate(slides)]
    cmd = [ffmpeg_exe(), "-hide_banner", "-v", "error", "-y"]
    for image, spec in zip(images, slides, strict=True):
        seconds = spec.seconds + fade
        cmd += ["-loop", "1", "-framerate", str(fps), "-t", f"{seconds}", "-i", str(image)]
    total = sum(s.seconds for s in slides)
    if audio:
        cmd += ["-i", str(audio)]
    else:
        cmd += ["-f", "lavfi", "-t", f"{total}", "-i", "anullsrc=r=16000:cl=mono"]
    inputs = "".join(
        f"[{i}:v]scale={size[0]}:{size[1]},setsar=1,format=yuv420p[v{i}];"
        for i in range(len(slides))
    )
    if fade:  # each slide fades into the next, starting ``fade`` before the next one's start
        chain, last, at = inputs, "v0", 0.0
        for i in range(1, len(slides)):
            at += slides[i - 1].seconds
            chain += (
                f"[{last}][v{i}]xfade=transition=fade:duration={fade}:offset={at - fade:.2f}[x{i}];"
            )
            last = f"x{i}"
        chain = chain.rstrip(";")
    else:
        chain = inputs + "".join(f"[v{i}]" for i in range(len(slides)))
        chain += f"concat=n={len(slides)}:v=1:a=0[cat]"
        last = "cat"
    if zoom:  # a slow 3% zoom in and out, as a camera operator's framing drifts
        chain += (
            f";[{last}]scale=w='iw*(1.015+0.015*sin(t/3))':h=-2:eval=frame,"
            f"crop={size[0]}:{size[1]}[zoomed]"
        )
        last = "zoomed"
    if cursor:  # a small white square wandering across the slide
        chain += (
            f";[{last}]drawbox=x='200+150*sin(t)':y='400+80*cos(t*1.3)':w=18:h=18:"
            f"color=white@1:t=fill[pointed]"
        )
        last = "pointed"
    if grain:
        chain += f";[{last}]noise=alls={grain}:allf=t+u[noisy]"
        last = "noisy"
    audio_index = len(slides)
    cmd += ["-filter_complex", chain, "-map", f"[{last}]", "-map", f"{audio_index}:a"]
    if codec == "libx264":
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p"]
        cmd += ["-c:a", "aac", "-b:a", "32k"]
    else:  # VP9 in WebM, as browsers and some lecture recorders write it
        cmd += ["-c:v", codec, "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8"]
        cmd += ["-c:a", "libopus", "-b:a", "32k"]
    cmd += ["-t", f"{total}", str(target)]
    subprocess.run(cmd, check=True, capture_output=True)
    starts, at = [], 0.0
    for number, spec in enumerate(slides):
        starts.append(at - fade / 2 if number else 0.0)
        at += spec.seconds
    return starts


# tests/fixtures/slides_lecture.mp4: four slides, each held while espeak-ng reads its script
# (tests/fixtures/slides_lecture.txt, one paragraph a slide), then 1.5 s more.
LECTURE_SLIDES = [
    SlideSpec(
        "Dynamic programming",
        ["Overlapping subproblems", "Memoization caches results", "Tabulation fills a table"],
        15.5,
    ),
    SlideSpec(
        "Levenshtein distance",
        ["Insertions, deletions, substitutions", "Edit distance between strings"],
        13.4,
    ),
    SlideSpec(
        "Dijkstra's algorithm",
        ["Shortest paths from one source", "Priority queue of tentative distances"],
        13.0,
    ),
    SlideSpec(
        "Bellman-Ford algorithm", ["Handles negative edge weights", "Detects negative cycles"], 13.5
    ),
]


def make_lecture_fixture(target: Path, script: Path) -> None:
    """Regenerate tests/fixtures/slides_lecture.mp4 (needs espeak-ng): ``python -m
    tests.helpers.slides``. The tests only read the committed file."""
    import tempfile

    paragraphs = [p for p in script.read_text().split("\n\n") if p.strip()]
    with tempfile.TemporaryDirectory() as work:
        pieces = []
        for number, (spec, text) in enumerate(zip(LECTURE_SLIDES, paragraphs, strict=True)):
            spoken, padded = Path(work) / f"{number}.wav", Path(work) / f"{number}p.wav"
            subprocess.run(
                ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(spoken), text], check=True
            )
            subprocess.run(
                [
                    ffmpeg_exe(),
                    "-v",
                    "error",
                    "-y",
                    "-i",
                    str(spoken),
                    "-af",
                    f"apad=whole_dur={spec.seconds}",
                    "-ar",
                    "16000",
                    "-ac",
                    "1",
                    str(padded),
                ],
                check=True,
            )
            pieces.append(padded)
        listing = Path(work) / "list.txt"
        listing.write_text("".join(f"file '{p}'\n" for p in pieces))
        audio = Path(work) / "narration.wav"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                str(audio),
            ],
            check=True,
        )
        slide_video(LECTURE_SLIDES, target, size=(960, 540), audio=audio)


if __name__ == "__main__":
    from tests.helpers.media import FIXTURES

    make_lecture_fixture(FIXTURES / "slides_lecture.mp4", FIXTURES / "slides_lecture.txt")
