"""Reprocessing N short lectures: N `konspekt process` calls against one `konspekt backfill`.

    .venv/bin/python bench/backfill.py [N]      # default 5; needs espeak-ng

Makes N one-minute lectures (tests/fixtures/lecture.txt in N espeak-ng voices, as mp4), then in
one instance and data folder times:
  separate: `konspekt process FILE` once per lecture, each a fresh process (what a script
            looping over files would do; each call imports whisperX and loads the models);
  backfill: `konspekt backfill KEY...` reprocessing the same N lectures in one process, one
            Dagster run per lecture, models loaded once;
  dagster:  `dagster asset materialize --partition KEY` once per lecture, each a fresh process,
            as each run of a backfill launched in the UI is;
and, in a fresh process, the model-load time that the backfill saves per extra lecture (importing
whisperX, loading tiny.en and the embedding model). Prints the saving against (N - 1) loads.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from throughput import video_from_speech  # bench/ is on sys.path when a script here runs

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "fixtures" / "lecture.txt"
VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb-x-rp+m4", "en-us+m2", "en-029", "en-us+f2"]

LOAD = """
import time, warnings
warnings.simplefilter("ignore")
started = time.perf_counter()
from lecture_assets.notes.factory import make_summarizer
from lecture_assets.asr.transcribe import load_whisper, resolve
load_whisper(resolve("tiny.en"))
make_summarizer("extractive").summarize  # the embedding model loads with the summarizer
print(time.perf_counter() - started)
"""


def make_lectures(folder: Path, count: int) -> list[Path]:
    videos = []
    for voice in (VOICES * count)[:count]:
        wav, video = folder / "speech.wav", folder / f"lecture-{len(videos) + 1}-{voice}.mp4"
        speed = str(150 + 5 * (len(videos) // len(VOICES)))  # distinct bytes past 7 voices
        subprocess.run(["espeak-ng", "-v", voice, "-s", speed, "-f", SCRIPT, "-w", wav], check=True)
        videos.append(video_from_speech(wav, video))
    return videos


def konspekt(env: dict, *args: str) -> tuple[float, list[dict]]:
    command = [str(Path(sys.executable).with_name("konspekt")), *args]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    outcomes = [json.loads(line) for line in proc.stdout.splitlines()]
    if proc.returncode or any(o["status"] != "ok" for o in outcomes):
        raise SystemExit(f"konspekt {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return seconds, outcomes


def dagster_materialize(env: dict, key: str) -> float:
    command = [
        str(Path(sys.executable).with_name("dagster")), "asset", "materialize",
        "-m", "lecture_assets.definitions", "--select", "*", "--partition", key,
    ]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"dagster asset materialize {key} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        videos = make_lectures(folder, count)
        (folder / "home").mkdir()
        env = {**os.environ, "DAGSTER_HOME": f"{tmp}/home", "KONSPEKT_DATA_DIR": f"{tmp}/data"}
        separate, keys = [], []
        for video in videos:
            seconds, (outcome,) = konspekt(env, "process", "--json", str(video))
            separate.append(seconds)
            keys.append(outcome["partition"])
        backfill, outcomes = konspekt(env, "backfill", "--json", *keys)
        assert [o["partition"] for o in outcomes] == keys
        per_run = [dagster_materialize(env, key) for key in keys]
        load = float(subprocess.run([sys.executable, "-c", LOAD], capture_output=True,
                                    text=True, check=True).stdout.split()[-1])  # fmt: skip
    total = sum(separate)
    print(f"machine: {os.cpu_count()} cores; {count} one-minute lectures (mp4), tiny.en on CPU")
    rows = [
        ("separate `konspekt process` calls", total),
        ("one `konspekt backfill`", backfill),
        ("`dagster asset materialize` per key", sum(per_run)),
    ]
    for label, seconds in rows:
        print(f"{label:34s} {seconds:6.1f} s ({seconds / count:5.1f} s per lecture)")
    print(f"{'model load in a fresh process':34s} {load:6.1f} s")
    print(
        f"saved {total - backfill:.1f} s = {(total - backfill) / load:.1f} model loads "
        f"(target: at least {count - 1}); ratio backfill / separate {backfill / total:.2f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
