"""whisperX batch size against transcription speed on this machine (run by hand).

    .venv/bin/python bench/batch_size.py FILE [SIZE ...]     # default sizes 1 2 4 8 16

Decodes FILE once, loads the bundled tiny.en once, then transcribes the audio once per batch
size and prints the real-time factor and the process's peak RSS so far. The default in
lecture_assets.asr.transcribe (8 on CPU, 16 on CUDA) comes from this table.
"""

import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

from lecture_assets.asr.media import extract_audio
from lecture_assets.asr.transcribe import load_whisper, resolve, transcribe


def main(source: Path, sizes: list[int]) -> None:
    warnings.simplefilter("ignore")
    spec = resolve("tiny.en")
    load_whisper(spec)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "audio.wav"
        info = extract_audio(source, wav)
        print(f"{source.name}: {info.duration / 60:.1f} min, {spec.device}/{spec.compute_type}")
        for size in sizes:
            started = time.perf_counter()
            transcribe(wav, spec, batch_size=size)
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"batch {size:3d}: {seconds:6.1f} s  {info.duration / seconds:5.1f}x real time  "
                f"peak RSS {peak:5.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]), [int(s) for s in sys.argv[2:]] or [1, 2, 4, 8, 16])
