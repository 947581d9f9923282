"""The one place that knows every summarizer: the interface and the factory behind the setting."""

from __future__ import annotations

from typing import Any, Protocol

from lecture_assets.notes.extractive import EXTRACTIVE, ExtractiveSummarizer
from lecture_assets.records import Summary, Transcript


class Summarizer(Protocol):
    backend: str
    model: str

    def summarize(self, transcript: Transcript) -> Summary: ...


def make_summarizer(name: str, **options: Any) -> Summarizer:
    """``extractive`` (default, offline) or a transformers seq2seq model name or folder.

    ``options`` (device, beams, max_summary_tokens, min_summary_tokens) tune the abstractive one.
    """
    name = (name or EXTRACTIVE).strip()
    if name == EXTRACTIVE:
        return ExtractiveSummarizer()
    from lecture_assets.notes.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(name, extractive=ExtractiveSummarizer(), **options)
