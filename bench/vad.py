"""Speed and word error rate of the two VADs that can feed whisperX (run by hand; needs espeak-ng).

    .venv/bin/python bench/vad.py [MINUTES]    # default 20: also a long lecture, else clips only

For each espeak-ng voice, both test scripts are spoken, transcribed with the bundled tiny.en
once per VAD (silero: the default, faster-whisper's bundled ONNX model with pause-aware windows;
pyannote: whisperX's own), and scored against the script. With MINUTES > 0 a long lecture
(bench/throughput.py's) adds the time of VAD + ASR, which is where the VADs differ most.
"""

import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import jiwer
from throughput import make_lecture  # bench/ is on sys.path when a script here runs

from lecture_assets.asr.media import extract_audio
from lecture_assets.asr.transcribe import load_whisper, resolve, transcribe

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [
    ROOT / "tests" / "fixtures" / "lecture.txt",
    ROOT / "tests" / "fixtures" / "three_topics.txt",
]
VOICES = ["en-gb", "en-us+f3", "en-gb-x-rp+m4", "en-us+m2", "en-029"]
VADS = ["silero", "pyannote"]


def normalize(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def speak(script: Path, voice: str, folder: Path) -> Path:
    raw, wav = folder / "raw.wav", folder / f"{voice}-{script.stem}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-f", script, "-w", raw], check=True)
    extract_audio(raw, wav)
    return wav


def main(minutes: float) -> None:
    warnings.simplefilter("ignore")
    specs = {vad: resolve("tiny.en", "cpu", vad=vad) for vad in VADS}
    for spec in specs.values():
        load_whisper(spec)  # model loads are not what is compared here
    scores: dict[str, list[float]] = {vad: [] for vad in VADS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'clip':32s} " + " ".join(f"{vad + ' WER':>13s}" for vad in VADS))
        for voice in VOICES:
            for script in SCRIPTS:
                wav = speak(script, voice, folder)
                reference = normalize(script.read_text())
                row = []
                for vad in VADS:
                    wer = jiwer.wer(reference, normalize(transcribe(wav, specs[vad]).text))
                    scores[vad].append(wer)
                    row.append(f"{wer:13.3f}")
                print(f"{voice + ' / ' + script.stem:32s} " + " ".join(row), flush=True)
        means = " ".join(f"{sum(s) / len(s):13.3f}" for s in scores.values())
        print(f"{'mean of ' + str(len(scores['silero'])) + ' clips':32s} {means}")
        if minutes > 0:
            video = make_lecture(folder, minutes)
            extract_audio(video, folder / "long.wav")
            reference = normalize((folder / "script.txt").read_text())
            for vad in VADS:
                started = time.perf_counter()
                result = transcribe(folder / "long.wav", specs[vad])
                seconds = time.perf_counter() - started
                wer = jiwer.wer(reference, normalize(result.text))
                print(
                    f"{result.duration / 60:.1f}-min lecture, {vad:8s}: VAD + ASR {seconds:6.1f} s "
                    f"({result.duration / seconds:4.1f}x real time), WER {wer:.3f}, "
                    f"{len(result.segments)} windows"
                )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
