"""Plain-text helpers for the guards and the notes: sentences with times, words and their
stems, term candidates, in English and Russian (other languages get the Unicode word rules and
no stopwords)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

from lecture_assets.records import Segment

SLUG_CHARS = 48
_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya i yi ye g u"
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў", _LATIN.split(), strict=True))

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_'-]*[^\W\d_])?")
# A word as a slide spells it, hyphens and apostrophes kept: "Bellman-Ford", "Dijkstra's".
_SPELLED = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# Enough to keep function words out of key terms; not a linguistic resource.
_ENGLISH = frozenset(
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
_RUSSIAN = frozenset(
    """а без более бы был была были было быть в вам вас весь во вот все всё всего всех вы где да
    даже
    для до его ее её если есть еще ещё же за здесь и из или им их к как какая какие какой когда
    кто ли либо между меня мне много может можно мы на над надо наш не него нее неё нет ни них но
    ну о об однако он она они оно от очень по под после потом потому при про раз с сам свой себя
    со так также такой там те тем то того тоже той только том ты у уже хотя чем что чтобы эта эти
    это этого этой этом этот я давайте сегодня теперь который которая которые которых котором
    которую очень просто вообще именно например итак значит один одна одно два две три раз
    можем нужно будет будем будут является являются""".split()
)
STOPWORDS = {"en": _ENGLISH, "ru": _RUSSIAN}
# Snowball stemmers group a Russian word's forms ("фотосинтез", "фотосинтеза", "фотосинтезом");
# English terms keep their surface form, as they always have here.
_STEMMED = {"ru": "russian"}


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


@cache
def _stemmer(language: str):
    import snowballstemmer

    return snowballstemmer.stemmer(_STEMMED[language])


@lru_cache(maxsize=1 << 16)  # Snowball is pure Python; guards stem a lecture many times over
def stem(word: str, language: str = "en") -> str:
    """The form that stands for all of ``word``'s inflections (``word`` itself in English)."""
    return _stemmer(language).stemWord(word) if language in _STEMMED else word


def stopwords(language: str) -> frozenset[str]:
    return STOPWORDS.get(language, frozenset())


def _grams(text: str, max_words: int, language: str):
    """(key, surface) of each n-gram of content words (no stopword inside or at either end)."""
    stop = stopwords(language)
    for sentence in _SENTENCE_END.split(text):
        tokens = words(sentence)
        keys = [stem(t, language) for t in tokens]
        for n in range(1, max_words + 1):
            for i in range(len(tokens) - n + 1):
                gram = tokens[i : i + n]
                if any(t in stop or len(t) < 3 for t in gram):
                    continue
                yield " ".join(keys[i : i + n]), " ".join(gram)


def term_candidates(text: str, max_words: int = 3, language: str = "en") -> Counter[str]:
    """Count n-grams of content words by key: the words themselves in English, their stems in
    a stemmed language, so a term's forms count together (see :func:`surface_forms`)."""
    return Counter(key for key, _ in _grams(text, max_words, language))


def surface_forms(text: str, max_words: int = 3, language: str = "en") -> dict[str, str]:
    """Key -> the form of that term the text uses most, for showing a term to a reader."""
    seen: dict[str, Counter[str]] = {}
    for key, surface in _grams(text, max_words, language):
        seen.setdefault(key, Counter())[surface] += 1
    return {key: forms.most_common(1)[0][0] for key, forms in seen.items()}


def mentions(term: str, text: str, language: str = "en") -> bool:
    """Whether ``text`` uses ``term`` (any of its forms in a stemmed language)."""
    wanted = [stem(w, language) for w in words(term)]
    if not wanted:
        return False
    found = [stem(w, language) for w in words(text)]
    n = len(wanted)
    return any(
        all(_same_word(a, b, language) for a, b in zip(found[i : i + n], wanted, strict=True))
        for i in range(len(found) - n + 1)
    )


def _same_word(found: str, wanted: str, language: str) -> bool:
    """Equal stems; in a stemmed language also one a prefix of the other (Snowball cuts
    "массив" to "масс" but "массива" to "массив")."""
    if found == wanted:
        return True
    if language not in _STEMMED or min(len(found), len(wanted)) < 4:
        return False
    return found.startswith(wanted) or wanted.startswith(found)


def first_mention(term: str, sentences: list[Sentence], language: str = "en") -> float | None:
    """Start of the first sentence that uses ``term``."""
    if language in _STEMMED:
        return next((s.start for s in sentences if mentions(term, s.text, language)), None)
    pattern = re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)
    return next((s.start for s in sentences if pattern.search(s.text)), None)


def vocabulary(text: str, limit: int = 60) -> list[str]:
    """Distinct content words of ``text`` as written, in order of appearance: what a slide
    spells that a speech model might not (names, terms). Stopwords of every language we know
    are left out, so this works before the lecture's language is known."""
    stop = frozenset().union(*STOPWORDS.values())
    seen: set[str] = set()
    found: list[str] = []
    for word in _SPELLED.findall(text):
        lower = word.lower()
        if len(word) < 3 or lower in stop or lower in seen:
            continue
        seen.add(lower)
        found.append(word)
        if len(found) == limit:
            break
    return found


def slugify(text: str) -> str:
    """ASCII slug: Cyrillic transliterated, accents dropped, anything else becomes '-'."""
    text = "".join(_CYRILLIC.get(c, c) if c.islower() else _upper_translit(c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:SLUG_CHARS].rstrip("-")


def _upper_translit(char: str) -> str:
    lower = char.lower()
    return _CYRILLIC[lower].capitalize() if lower in _CYRILLIC else char


def locate(text: str, sentences: list[Sentence], language: str = "en") -> float | None:
    """The start of the sentence sharing most content words with ``text`` (a review answer,
    say), or None when none shares a third of them: where the lecture says it."""
    stop = stopwords(language)
    wanted = {stem(w, language) for w in words(text) if w not in stop}
    if not wanted:
        return None
    best, best_share = None, 1 / 3
    for sentence in sentences:
        found = {stem(w, language) for w in words(sentence.text)}
        share = len(wanted & found) / len(wanted)
        if share > best_share:
            best, best_share = sentence.start, share
    return best
