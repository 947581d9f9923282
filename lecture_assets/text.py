"""Plain-text helpers for the guards and the notes: sentences with times, term candidates."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from lecture_assets.records import Segment

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")

# Enough to keep function words out of key terms; not a linguistic resource.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even few first for
    from further get gets got had has have having he her here hers herself him himself his how i if
    in into is it its itself just let like lot make makes many may me might more most much must my
    myself need next no nor not now of off often on once one only or other our ours ourselves out
    over own really right same say says see she should so some something such take than that the
    their theirs them themselves then there these they thing things think this those through to
    today too two under until up us use used uses using very want was way we well were what when
    where which while who whom why will with would yes yet you your yours yourself yourselves
    called call okay oh going go know good new three time times step""".split()
)


@dataclass(frozen=True)
class Sentence:
    start: float
    end: float
    text: str


def split_sentences(segments: list[Segment]) -> list[Sentence]:
    """Split segments into sentences, giving each a time span by its share of the characters."""
    sentences: list[Sentence] = []
    for segment in segments:
        parts = [p.strip() for p in _SENTENCE_END.split(segment.text) if p.strip()]
        total = sum(len(p) for p in parts) or 1
        span = max(segment.end - segment.start, 0.0)
        cursor = segment.start
        for part in parts:
            length = span * len(part) / total
            sentences.append(Sentence(round(cursor, 3), round(cursor + length, 3), part))
            cursor += length
    return sentences


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def term_candidates(text: str, max_words: int = 3) -> Counter[str]:
    """Count n-grams of content words (no stopword inside, none at either end)."""
    counts: Counter[str] = Counter()
    for sentence in _SENTENCE_END.split(text):
        tokens = words(sentence)
        for n in range(1, max_words + 1):
            for i in range(len(tokens) - n + 1):
                gram = tokens[i : i + n]
                if any(t in STOPWORDS or len(t) < 3 for t in gram):
                    continue
                counts[" ".join(gram)] += 1
    return counts


def first_mention(term: str, sentences: list[Sentence]) -> float | None:
    pattern = re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)
    return next((s.start for s in sentences if pattern.search(s.text)), None)
