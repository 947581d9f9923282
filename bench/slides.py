"""What slide detection and OCR add to the end-to-end time of a slide lecture.

    .venv/bin/python bench/slides.py [MINUTES]      # default 60; needs espeak-ng and tesseract

Builds a lecture of about MINUTES minutes: espeak-ng reading the test scripts over and over,
under a deck of one slide a minute (1280x720, 25 fps, H.264: a title and three bullets each,
rendered by tests/helpers/slides.py). Then, in the same run and each in a fresh process and
instance, `konspekt process --json` on
  baseline: the same speech under a still frame (what the pipeline did before slides: the
            slides step finds nothing in it);
  ours:     the slide video (slides found and read, Whisper prompted with their words, slide
            text in the notes writer's prompts, slide images in the PDF).
Prints both wall times, the overhead (ours / baseline - 1), the slides step's own time and
where it goes, and how well the slides were found (count, largest start error, titles read).
"""

import json
import os
import sys
import tempfile
from pathlib import Path

from throughput import make_lecture, measured, stage_seconds  # bench/ is on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.helpers.slides

from tests.helpers.slides import SlideSpec, slide_video  # noqa: E402

SUBJECTS = [
    "Photosynthesis", "Chlorophyll", "Carbon fixation", "Binary search", "Hash tables",
    "Merge sort", "Quicksort", "Heaps", "Graphs", "Dijkstra's algorithm", "Dynamic programming",
    "The French Revolution", "Taxes", "Inflation", "Supply and demand", "Neural networks",
    "Gradient descent", "Backpropagation", "Entropy", "Thermodynamics",
]  # fmt: skip
WORDS = "matrix vector kernel proof lemma theorem model sample error bound limit series".split()


def deck(count: int) -> list[SlideSpec]:
    slides = []
    for number in range(count):
        subject = SUBJECTS[number % len(SUBJECTS)]
        part = number // len(SUBJECTS) + 1
        title = f"{subject} {part}" if number >= len(SUBJECTS) else subject
        bullets = [
            f"{WORDS[(number + k) % len(WORDS)].capitalize()} and "
            f"{WORDS[(number * 3 + k) % len(WORDS)]} in part {k + 1}"
            for k in range(3)
        ]
        slides.append(SlideSpec(title, bullets, 60.0))
    return slides


def main(minutes: float) -> None:
    from lecture_assets.asr.media import probe

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        still = make_lecture(folder, minutes)  # speech under a still frame
        duration = probe(still).duration or minutes * 60
        specs = deck(max(1, int(duration // 60)))
        specs[-1] = SlideSpec(specs[-1].title, specs[-1].bullets, duration - 60 * (len(specs) - 1))
        video = folder / "slides.mp4"
        starts = slide_video(specs, video, audio=folder / "speech.wav")
        runs = {}
        for label, source in [("baseline", still), ("ours", video)]:
            env = {
                **os.environ,
                "DAGSTER_HOME": f"{tmp}/home-{label}",
                "KONSPEKT_DATA_DIR": f"{tmp}/data-{label}",
            }
            (folder / f"home-{label}").mkdir()
            run = measured(
                [Path(sys.executable).with_name("konspekt"), "process", "--json", source], env
            )
            result = json.loads(run["stdout"].strip().splitlines()[-1])
            if result["status"] != "ok":
                raise SystemExit(f"konspekt failed on {label}: {result['error']}\n{run['stderr']}")
            run["folder"] = Path(tmp) / f"data-{label}" / "lectures" / result["partition"]
            runs[label] = run
        for label in runs:
            runs[label]["stages"] = stage_seconds(folder / f"home-{label}", "")
        found = json.loads((runs["ours"]["folder"] / "slides.json").read_text())
        none = json.loads((runs["baseline"]["folder"] / "slides.json").read_text())
    base, ours = runs["baseline"]["seconds"], runs["ours"]["seconds"]
    print(f"machine: {os.cpu_count()} cores; lecture {duration / 60:.1f} min, {len(specs)} slides")
    print(f"baseline (still frame)  konspekt process  {base:7.1f} s")
    print(f"ours (slide video)      konspekt process  {ours:7.1f} s")
    print(f"overhead of slides: {ours / base - 1:+.1%} (goal: at most +15%)")
    print(f"  {'step (asset metadata)':46s} {'baseline':>9s} {'ours':>9s}")
    for stage, seconds in runs["ours"]["stages"].items():
        before = runs["baseline"]["stages"].get(stage, 0.0)
        print(f"  {stage:46s} {before:8.1f}s {seconds:8.1f}s")
    video_info, ocr = found["video"], found["ocr"]
    print(
        f"slides step: {video_info['seconds']:.1f} s = {video_info['seconds'] / base:.1%} of "
        f"the baseline; sampling {video_info['sampling']}, {video_info['frames']} thumbnails in "
        f"{video_info['sample_s']:.1f} s; {ocr.get('frames_read', 0)} frames read at "
        f"{ocr.get('seconds_per_frame', 0):.2f} s each ({ocr.get('engine', 'no OCR')})"
    )
    slides = found["slides"]
    errors = [abs(s["start"] - t) for s, t in zip(slides, starts, strict=False)]
    titles = sum(s["title"] == spec.title for s, spec in zip(slides, specs, strict=False))
    print(
        f"found {len(slides)} of {len(specs)} slides; largest start error "
        f"{max(errors, default=0):.2f} s; titles read exactly: {titles} of {len(specs)}; "
        f"baseline found {len(none['slides'])}"
    )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
