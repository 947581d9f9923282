"""Abstractive summaries with any transformers seq2seq model (e.g. facebook/bart-large-cnn).

The structure (key terms, chapters) still comes from the extractive summarizer; the model writes
the abstract and one key point per chunk. Chunks respect the model's own input window.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lecture_assets.errors import ModelUnavailableError
from lecture_assets.summarize import SUMMARIZER_VARIABLE, ExtractiveSummarizer, Summary
from lecture_assets.transcribe import Transcript


@cache
def load_seq2seq(name: str):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForSeq2SeqLM.from_pretrained(name).eval()
    except (OSError, ValueError) as exc:
        where = "folder" if Path(name).is_dir() else "model"
        raise ModelUnavailableError(
            f"The summarization {where} '{name}' could not be loaded (not cached and no network, "
            f"or not a seq2seq model); set {SUMMARIZER_VARIABLE}=extractive for the bundled "
            "offline summarizer, or to a local transformers model folder."
        ) from exc
    return tokenizer, model


class AbstractiveSummarizer:
    backend = "abstractive"

    def __init__(self, name: str, extractive: ExtractiveSummarizer, max_new_tokens: int = 128):
        self.model = name
        self.extractive = extractive
        self.tokenizer, self.seq2seq = load_seq2seq(name)
        config = self.seq2seq.config
        limits = [getattr(config, "max_position_embeddings", None), self.tokenizer.model_max_length]
        # Leave room for special tokens; tokenizers report a huge sentinel when unknown.
        self.window = min(x for x in limits if x and x < 1_000_000) - 2
        # The decoder shares the position limit, so a summary cannot outgrow the window either.
        self.max_new_tokens = min(max_new_tokens, self.window)

    def summarize(self, transcript: Transcript) -> Summary:
        summary = self.extractive.summarize(transcript)
        summary.summarizer = {"backend": self.backend, "model": self.model}
        if not transcript.segments:
            return summary
        pieces = [self._generate(chunk) for chunk in self._chunks(transcript.text)]
        summary.key_points = [p for p in pieces if p]
        text = " ".join(pieces)
        # Reduce: summarise the summaries until they fit one window. Each round caps every
        # piece at its share of the window, so the joined text shrinks and the loop ends.
        for _ in range(8):
            if len(self.tokenizer(text)["input_ids"]) <= self.window:
                break
            chunks = self._chunks(text)
            budget = max(self.window // (len(chunks) + 1), 8)
            text = " ".join(self._generate(chunk, budget) for chunk in chunks)
        summary.abstract = self._generate(text) if len(pieces) > 1 else text
        summary.summarizer["chunks"] = str(len(summary.key_points))
        return summary

    def _chunks(self, text: str) -> list[str]:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        step = max(self.window - 16, 16)
        return [self.tokenizer.decode(ids[i : i + step]) for i in range(0, len(ids), step)]

    def _generate(self, text: str, max_new_tokens: int | None = None) -> str:
        import torch

        batch = self.tokenizer(text, truncation=True, max_length=self.window, return_tensors="pt")
        batch.pop("token_type_ids", None)  # BERT-style tokenizers add it; generate() rejects it
        with torch.inference_mode():
            out = self.seq2seq.generate(
                **batch, max_new_tokens=max_new_tokens or self.max_new_tokens, num_beams=2
            )
        return self.tokenizer.decode(out[0], skip_special_tokens=True).strip()
