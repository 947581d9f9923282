"""Sentence vectors for chapters and key terms: MiniLM (bundled in pip) for English, bag of
stems for other languages."""

from __future__ import annotations

from functools import cache


class Embedder:
    """Mean-pooled, L2-normalised sentence embeddings from all-MiniLM-L6-v2 (bundled in pip)."""

    name = "all-MiniLM-L6-v2"

    def __init__(self) -> None:

        from transformers import AutoModel, AutoTokenizer

        from lecture_assets.bundled import MINILM, in_package

        path = str(in_package(MINILM).parent)  # a third-party upload: its hash is pinned
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


class LexicalEmbedder:
    """Bag-of-stems vectors (hashed, sublinear counts, L2-normalised) for languages MiniLM
    does not know: the word-overlap signal classic TextTiling was built on. Its name records
    the language, so the metadata says which route chaptered a lecture."""

    dims = 4096
    min_window = 4  # sentences each side of a gap when chaptering (MiniLM needs 2)

    def __init__(self, language: str) -> None:
        self.language = language
        self.name = f"lexical stems ({language})"

    def embed(self, texts: list[str], batch_size: int = 0):
        import zlib

        import numpy as np

        from lecture_assets.text import stem, stopwords, words

        stop = stopwords(self.language)
        vectors = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                if word in stop or len(word) < 3:
                    continue
                # crc32, not hash(): the same word lands in the same column in every process.
                vectors[row, zlib.crc32(stem(word, self.language).encode()) % self.dims] += 1.0
        np.log1p(vectors, out=vectors)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)


def embedder_for(language: str):
    """MiniLM for English (it knows no other language well); word stems for the rest."""
    return load_embedder() if language in ("en", "") else LexicalEmbedder(language)
