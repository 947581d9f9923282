"""What a course's vocabulary does for the transcript of its next lecture.

    .venv/bin/python bench/course.py        # needs espeak-ng (and tesseract for the slides)

Lecture 1 is tests/fixtures/slides_lecture.mp4 (slides titled Memoization, Levenshtein
distance, Dijkstra's algorithm, Bellman-Ford...). Lecture 2 is an audio-only recap that
espeak-ng reads from SCRIPT below: no slides, the same terms. In the same run, each in a fresh
process, instance and data folder, `konspekt process --json`:
  baseline: lecture 2 on its own (what a user gets without courses);
  ours:     lecture 1 then lecture 2 with --course Algorithms: lecture 2's Whisper prompt holds
            the terms and slide words of lecture 1.
Prints lecture 2's word error rate both ways and which of the course's terms came out right.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import jiwer

ROOT = Path(__file__).resolve().parents[1]
KONSPEKT = Path(sys.executable).with_name("konspekt")
LECTURE_1 = ROOT / "tests" / "fixtures" / "slides_lecture.mp4"
SCRIPT = """Last time we met dynamic programming. Memoization stores each answer the first \
time it is computed, while tabulation builds a table from the smallest case. Today we return \
to the Levenshtein distance and compute it for two short words. Then we compare Dijkstra's \
algorithm with the Bellman-Ford algorithm on a graph with a negative edge weight. Dijkstra's \
algorithm settles the closest vertex first, so a negative weight breaks it. Bellman-Ford \
relaxes every edge again and again, and one more pass finds a negative cycle. Memoization and \
tabulation are two ways to fill the same table, and the Levenshtein distance is the classic \
example."""
TERMS = ["Memoization", "tabulation", "Levenshtein", "Dijkstra's", "Bellman-Ford"]
NORM = jiwer.Compose(
    [jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip()]
)


def process(folder: Path, *args) -> list[dict]:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(folder / "home"),
        "KONSPEKT_DATA_DIR": str(folder / "data"),
        # Lecture 1's terms come from its slides and its notes' key terms; the extractive notes
        # keep the run short, and lecture 2's transcript is what is measured.
        "KONSPEKT_SUMMARIZER": "extractive",
    }
    (folder / "home").mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [KONSPEKT, "process", "--json", *map(str, args)], env=env, capture_output=True, text=True
    )
    results = [json.loads(line) for line in out.stdout.splitlines()]
    if out.returncode or not results:
        raise SystemExit(f"konspekt failed:\n{out.stderr[-3000:]}")
    return results


def transcript_of(folder: Path, result: dict) -> str:
    path = folder / "data" / "lectures" / result["partition"] / "transcript.json"
    return " ".join(s["text"] for s in json.loads(path.read_text())["segments"])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wav = tmp / "recap.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", wav, SCRIPT], check=True)
        lecture_2 = tmp / "Algorithms 2 recap.flac"
        subprocess.run([sys.executable, "-c", "import imageio_ffmpeg, subprocess, sys; "
                        "subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), '-v', 'error', '-i', "
                        "sys.argv[1], '-ar', '16000', sys.argv[2]], check=True)", wav, lecture_2],
                       check=True)  # fmt: skip
        first = tmp / "Algorithms 1.mp4"
        first.write_bytes(LECTURE_1.read_bytes())
        os.utime(first, (1_700_000_000, 1_700_000_000))  # recorded before the recap
        os.utime(lecture_2, (1_700_100_000, 1_700_100_000))

        (alone,) = process(tmp / "alone", lecture_2)
        _, in_course = process(tmp / "course", "--course", "Algorithms", first, lecture_2)
        texts = {
            "baseline: lecture 2 alone": transcript_of(tmp / "alone", alone),
            "ours: lecture 2 after lecture 1 (--course)": transcript_of(tmp / "course", in_course),
        }
    print(f"lecture 2: espeak-ng, {len(SCRIPT.split())} words, no slides; tiny.en int8, CPU")
    rates = {}
    for label, text in texts.items():
        rates[label] = jiwer.wer(NORM(SCRIPT), NORM(text))
        right = [t for t in TERMS if t.lower() in text.lower()]
        print(f"{label:46s} WER {rates[label]:.3f}   terms right {len(right)}/{len(TERMS)}: "
              f"{', '.join(right) or '-'}")  # fmt: skip
    base, ours = rates.values()
    print(f"WER change: {base:.3f} -> {ours:.3f} ({(ours - base) / base:+.0%})")
    for label, text in texts.items():
        print(f"\n{label}:\n{text}")


if __name__ == "__main__":
    main()
