"""Words the notes print, per lecture language; a new language is one more entry here."""

HEADINGS = {
    "en": {
        "summary": "Summary",
        "key_points": "Key points",
        "chapters": "Chapters",
        "key_terms": "Key terms",
        "glossary": "Glossary",
        "questions": "Review questions",
        "answer": "Answer",
        "transcript": "Transcript",
        "source": "Source",
        "duration": "Duration",
        "date": "Date",
        "models": "Models",
        "first_at": "first at",
        "no_speech": "No speech detected.",
        "language": "Language",
        "slides": "Slides",
        "slide": "Slide",
        "course": "Course",
    },
    "ru": {
        "summary": "Краткое содержание",
        "key_points": "Главное",
        "chapters": "Разделы",
        "key_terms": "Ключевые термины",
        "glossary": "Глоссарий",
        "questions": "Вопросы для повторения",
        "answer": "Ответ",
        "transcript": "Расшифровка",
        "source": "Источник",
        "duration": "Длительность",
        "date": "Дата",
        "models": "Модели",
        "first_at": "впервые в",
        "no_speech": "Речь не распознана.",
        "language": "Язык",
        "slides": "Слайды",
        "slide": "Слайд",
        "course": "Курс",
    },
}

# The language named in the prompts, so the model writes in it.
LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "de": "German", "fr": "French", "es": "Spanish"}


def headings(language: str) -> dict[str, str]:
    """The headings of ``language``, English for any word it lacks."""
    return {**HEADINGS["en"], **HEADINGS.get(language, {})}


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)
