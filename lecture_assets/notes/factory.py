"""The one place that knows every summarizer: the interface and the factory behind the setting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from konspekt.settings import DEFAULT_MODELS_DIR
from lecture_assets.notes.extractive import EXTRACTIVE, ExtractiveSummarizer
from lecture_assets.records import SlideDeck, Summary, Transcript

LLM = "llm"


class Summarizer(Protocol):
    backend: str
    model: str

    def summarize(self, transcript: Transcript, slides: SlideDeck | None = None) -> Summary: ...


def make_summarizer(
    name: str,
    llm_model: str = "bundled",
    models_dir: Path = DEFAULT_MODELS_DIR,
    device: str = "auto",
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> Summarizer:
    """``llm`` (the embedded notes writer), ``extractive`` (no language model), or a
    transformers seq2seq model name or folder.

    ``progress`` receives the notes writer's progress lines; ``options`` (beams,
    max_summary_tokens, min_summary_tokens) tune the seq2seq one and are ignored by the others.
    """
    name = (name or LLM).strip()
    if name == EXTRACTIVE:
        return ExtractiveSummarizer()
    if name == LLM:
        from lecture_assets.bundled import QWEN_1_5B
        from lecture_assets.notes.llm import ChatModel, resolve_llm
        from lecture_assets.notes.writer import LLMNotesWriter

        spec = resolve_llm(llm_model, models_dir, device)
        card = QWEN_1_5B.describe() if spec.pinned else {"model": spec.name}
        return LLMNotesWriter(ChatModel(spec), ExtractiveSummarizer(), card, progress)
    from lecture_assets.notes.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(name, extractive=ExtractiveSummarizer(), device=device, **options)
