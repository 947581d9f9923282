"""Instruction-tuned language models through llama.cpp: loaded once per process, JSON out.

The embedded default is the bundled Qwen2.5-Coder-1.5B-Instruct GGUF (lecture_assets/bundled.py),
verified against its pinned sha256 before it is loaded. Any GGUF file or a Hugging Face repository
(``org/name`` or ``org/name:file-pattern.gguf``) can be configured instead.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from konspekt.errors import ModelUnavailableError
from konspekt.settings import (
    DEFAULT_MODELS_DIR,
    LLM_MODEL_VARIABLE,
    SUMMARIZER_VARIABLE,
    require_device,
)

BUNDLED = "bundled"
CONTEXT = 8192  # tokens: a 15-minute chapter (the longest there is) and the instructions fit
log = logging.getLogger(__name__)


class InvalidOutput(ValueError):
    """The model's answer is not the JSON that was asked for (cut off at max_tokens)."""


@dataclass(frozen=True)
class LLMSpec:
    source: str  # a GGUF file, or a hub repository
    name: str  # for metadata and messages
    pinned: bool  # the bundled file, checked against its sha256 before loading
    threads: int
    gpu_layers: int  # -1: everything on the GPU; 0: CPU only
    filename: str = "*Q4_K_M.gguf"  # for a hub repository: which file in it


def resolve_llm(
    model: str = BUNDLED, models_dir: Path = DEFAULT_MODELS_DIR, device: str = "auto"
) -> LLMSpec:
    name = (model or BUNDLED).strip()
    threads = free_cores()
    require_device(device)
    gpu_layers = -1 if _cuda(device) else 0
    if name == BUNDLED:
        from konspekt.weights import assemble
        from lecture_assets.bundled import QWEN_1_5B

        path = assemble(QWEN_1_5B, Path(models_dir), check=False)
        return LLMSpec(str(path), QWEN_1_5B.name, True, threads, gpu_layers)
    local = Path(name).expanduser()
    if local.suffix == ".gguf" or local.exists():
        if not local.is_file():
            raise ModelUnavailableError(
                f"The language model file {name} does not exist; set {LLM_MODEL_VARIABLE} to "
                f"'{BUNDLED}' or to a GGUF file."
            )
        return LLMSpec(str(local.resolve()), local.name, False, threads, gpu_layers)
    repo, _, pattern = name.partition(":")
    return LLMSpec(repo, name, False, threads, gpu_layers, pattern or "*Q4_K_M.gguf")


def free_cores() -> int:
    """Cores this process may use: heavy steps run one at a time (the `heavy` pool), so a
    notes step has them all. More threads than cores made llama.cpp 20x slower here."""
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def _cuda(device: str) -> bool:
    if device not in ("auto", "cuda") and not device.startswith("cuda"):
        return False
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@cache
def load_llm(spec: LLMSpec):
    """The llama.cpp model, once per process and spec."""
    # llama.cpp's OpenMP threads spin while they wait; passive waiting leaves the cores to the
    # rest of the process between batches.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if spec.pinned:
        from konspekt.weights import verify
        from lecture_assets.bundled import QWEN_1_5B

        verify(Path(spec.source), QWEN_1_5B)
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise ModelUnavailableError(
            "llama-cpp-python is not installed (`make run` builds it, ~12 minutes the first "
            f"time); or set {SUMMARIZER_VARIABLE}=extractive for notes without a language model."
        ) from exc
    options: dict[str, Any] = {
        "n_ctx": CONTEXT,
        "n_threads": spec.threads,
        "n_threads_batch": spec.threads,
        "n_gpu_layers": spec.gpu_layers,
        "seed": 0,
        "verbose": False,
    }
    started = time.perf_counter()
    try:
        if Path(spec.source).is_file():
            llm = Llama(model_path=spec.source, **options)
        else:
            llm = Llama.from_pretrained(repo_id=spec.source, filename=spec.filename, **options)
    except Exception as exc:  # hub, file-format and llama.cpp errors share no base class
        raise ModelUnavailableError(
            f"The language model '{spec.name}' could not be loaded ({_first_line(exc)}); set "
            f"{LLM_MODEL_VARIABLE} to '{BUNDLED}' (offline), a GGUF file, or a Hugging Face "
            "repository of GGUF files."
        ) from exc
    log.info(
        "loaded %s (%d threads) in %.1fs", spec.name, spec.threads, time.perf_counter() - started
    )
    return llm


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class ChatModel:
    """Chat completions constrained to a JSON schema (llama.cpp turns it into a grammar)."""

    def __init__(self, spec: LLMSpec) -> None:
        self.spec = spec
        self.llm = load_llm(spec)
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False))

    def json(
        self,
        system: str,
        user: str,
        schema: dict[str, Any],
        max_tokens: int,
        temperature: float = 0.2,
        seed: int = 0,
    ) -> dict[str, Any]:
        reply = self.llm.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            response_format={"type": "json_object", "schema": schema},
            max_tokens=max_tokens,
            temperature=temperature,
            repeat_penalty=1.1,
            seed=seed,
        )
        usage = reply.get("usage") or {}
        self.prompt_tokens += int(usage.get("prompt_tokens", 0))
        self.completion_tokens += int(usage.get("completion_tokens", 0))
        text = reply["choices"][0]["message"]["content"] or ""
        try:
            # The grammar lets a raw newline into a string; strict=False reads it as the text.
            data = json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            raise InvalidOutput(f"not valid JSON ({exc.msg}): {text[:80]!r}") from None
        if not isinstance(data, dict):
            raise InvalidOutput(f"not a JSON object: {text[:80]!r}")
        return data
