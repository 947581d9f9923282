"""The lecture pipeline as thin assets, one per partition:
audio + slides -> transcript -> summary -> pdf and study_notes; summaries -> course_notes."""

import functools
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from konspekt.errors import KonspektError
from konspekt.orchestration import HEAVY_POOL, RETRY, follow_upstream, readable
from konspekt.settings import LANGUAGE_VARIABLE
from konspekt.watch import display_name
from lecture_assets.bundled import model_card
from lecture_assets.checks import transcript_check_specs, transcript_checks
from lecture_assets.conditions import course_notes_due
from lecture_assets.partitions import course_partitions, lecture_partitions
from lecture_assets.records import clock
from lecture_assets.resources import (
    LectureStorage,
    LectureSummarizer,
    SlideReader,
    WhisperTranscriber,
)

GROUP = "lectures"
COURSES = "courses"


def _step(folder_of):
    """A step of one partition: the only writer in its folder while it runs (see
    LectureStorage.writing), with every KonspektError (bad input, a full disk) shown as one
    sentence. Put it under @dg.asset; functools.wraps keeps the signature Dagster reads."""

    def decorate(body):
        @readable
        @functools.wraps(body)
        def step(context: dg.AssetExecutionContext, storage: LectureStorage, **resources):
            folder = folder_of(storage.layout, context.partition_key)  # checks the key
            with storage.writing(folder, context.log.info):
                return body(context, storage, **resources)

        return step

    return decorate


lecture_step = _step(lambda layout, key: layout.lecture(key).path)
course_step = _step(lambda layout, key: layout.course(key).path)


def _published(storage: LectureStorage, paths: list[Path]) -> dict:
    """Upload the step's files to KONSPEKT_ARTIFACTS when set; their s3:// URLs as metadata.
    An upload that fails fails the step (the files are kept locally) and is retried."""
    try:
        urls = storage.publish([p for p in paths if p.is_file()])
    except KonspektError as exc:
        raise dg.Failure(description=str(exc), metadata={"error": str(exc)}) from None
    if not urls:
        return {}
    listing = "\n".join(f"- `{url}`" for url in urls.values())
    return {"s3_url": next(iter(urls.values())), "uploaded": dg.MetadataValue.md(listing)}


def _course_label(source) -> dict:
    """The lecture's course for the metadata, when it has one."""
    return {"course": source.course} if source.course else {}


@dg.asset(
    group_name=GROUP,
    partitions_def=lecture_partitions,
    kinds={"ffmpeg", "pydub"},
    retry_policy=RETRY,
)
@lecture_step
def audio(context: dg.AssetExecutionContext, storage: LectureStorage) -> dg.MaterializeResult:
    """16 kHz mono WAV decoded from the dropped lecture file, and listen.webm (Opus), the copy
    the notes page plays."""
    from lecture_assets.asr.media import extract_audio, listening_copy

    key = context.partition_key
    source = storage.verified_source(key)  # the bytes the key stands for, or a sentence
    target = storage.lecture(key).audio
    started = time.perf_counter()
    info = extract_audio(Path(source.path), target, storage.max_minutes * 60 or None)
    decoded = time.perf_counter() - started
    listen = listening_copy(target, storage.lecture(key).listen)
    encoded = time.perf_counter() - started - decoded
    context.log.info(f"decoded {display_name(source.name)}: {clock(info.duration)} of audio")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "source": dg.MetadataValue.path(display_name(source.path)),
            "duration_s": round(info.duration, 2),
            "duration": clock(info.duration),
            "codec": info.source_codec,
            "has_video": info.has_video,
            "loudness_dbfs": round(info.dbfs, 1) if info.dbfs > float("-inf") else -999.0,
            "decode_s": round(decoded, 2),
            "listen": dg.MetadataValue.path(str(listen)),
            "listen_kb": round(listen.stat().st_size / 1024, 1),
            "listen_s": round(encoded, 2),
            **_course_label(source),
        }
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=lecture_partitions,
    kinds={"ffmpeg", "tesseract"},
    retry_policy=RETRY,
    pool=HEAVY_POOL,  # OCR runs a Tesseract per core
)
@lecture_step
def slides(
    context: dg.AssetExecutionContext, storage: LectureStorage, slide_reader: SlideReader
) -> dg.MaterializeResult:
    """The distinct slides the lecture video shows: slides/NNN.jpg and slides.json (times,
    titles, text). Audio files and videos without slides give an empty list."""
    from konspekt.files import write_json

    key = context.partition_key
    folder = storage.lecture(key)
    source = storage.verified_source(key)
    deck = slide_reader.read(Path(source.path), folder, context.log.info)
    path = write_json(folder.slides, deck.to_dict())
    kept = {folder.path / s.image for s in deck.slides}
    for stale in folder.slides_dir.glob("*.jpg") if folder.slides_dir.is_dir() else []:
        if stale not in kept:  # images of an earlier run that found more slides
            stale.unlink(missing_ok=True)
    uploaded = _published(storage, [path, *(folder.path / s.image for s in deck.slides)])
    ocr = deck.ocr
    if "error" in deck.video:
        context.log.warning(f"no slides: {deck.video['error']}")
    if not ocr.get("available"):
        context.log.warning(f"slides kept as images only: {ocr.get('reason', 'no OCR')}")
    preview = "\n".join(
        f"- `[{clock(s.start)}]` {s.title or '_untitled_'}" for s in deck.slides[:10]
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "slides": len(deck.slides),
            "has_video": bool(deck.video.get("has_video", True)),
            "ocr_engine": ocr.get("engine", "unavailable"),
            **({"ocr_unavailable": ocr["reason"]} if "reason" in ocr else {}),
            **({"video_error": deck.video["error"]} if "error" in deck.video else {}),
            "ocr_s_per_frame": float(ocr.get("seconds_per_frame", 0.0)),
            "frames_read": int(ocr.get("frames_read", 0)),
            "sampling": deck.video.get("sampling", "none"),
            "frames_examined": int(deck.video.get("frames", 0)),
            "slides_s": float(deck.video.get("seconds", 0.0)),
            "preview": dg.MetadataValue.md(preview or "_no slides_"),
            **uploaded,
        }
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=lecture_partitions,
    retry_policy=RETRY,
    deps=[audio, slides],
    kinds={"whisperx"},
    pool=HEAVY_POOL,
    check_specs=transcript_check_specs,
    automation_condition=dg.AutomationCondition.eager(),
)
@lecture_step
def transcript(
    context: dg.AssetExecutionContext, storage: LectureStorage, transcriber: WhisperTranscriber
) -> dg.MaterializeResult:
    """Timed transcript (JSON, text, SRT) of the lecture audio, by whisperX; the words on the
    slides prompt Whisper, so terms are spelled as on screen."""
    from lecture_assets.asr.subtitles import write_outputs
    from lecture_assets.courses.catalog import vocabulary as course_vocabulary
    from lecture_assets.text import vocabulary

    folder = storage.lecture(context.partition_key)
    deck = folder.read_slides()
    # Terms of the course's earlier lectures: spelled right once, spelled right again.
    known, earlier = course_vocabulary(storage.layout, context.partition_key)
    if earlier:
        context.log.info(f"prompting with the terms of {len(earlier)} earlier lecture(s)")
    reported = [0.0]

    def progress(fraction: float) -> None:
        if fraction - reported[0] >= 0.1 or fraction >= 1.0 > reported[0]:
            reported[0] = fraction
            context.log.info(f"transcribing: {fraction:.0%}")

    started = time.perf_counter()
    result = transcriber.transcribe(folder.audio, progress, deck, known)
    elapsed = time.perf_counter() - started
    if result.unsure_language:
        context.log.warning(
            f"the language was not detected surely (best guess {result.unsure_language}); "
            f"transcribed as English. Set {LANGUAGE_VARIABLE} if the lecture is in another "
            "language."
        )
    paths = write_outputs(result, folder)
    uploaded = _published(storage, list(paths.values()))
    preview = "\n".join(f"- `[{clock(s.start)}]` {s.text}" for s in result.segments[:8])
    card = model_card(result.model)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(paths["json"])),
            "language": result.language,
            # Only when the detector could not decide and English was assumed: its best guess.
            **({"language_guess": result.unsure_language} if result.unsure_language else {}),
            "model": result.model,
            **{f"model_{k}": v for k, v in card.items() if k != "model"},
            "vad": transcriber.vad,
            # Distinct words on the slides: Whisper's prompt where they were shown (asr/prompting)
            "slide_words": len(vocabulary(deck.text, limit=100_000)),
            "course_words": len(vocabulary("\n".join(known), limit=100_000)),
            "course_lectures": ", ".join(earlier) or "none",
            "segments": len(result.segments),
            "words": result.word_count,
            "duration_s": round(result.duration, 2),
            "transcribe_s": round(elapsed, 2),
            "real_time_factor": round(result.duration / elapsed, 1) if elapsed else 0.0,
            "preview": dg.MetadataValue.md(preview or "_no speech detected_"),
            **uploaded,
        },
        check_results=transcript_checks(result),
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=lecture_partitions,
    retry_policy=RETRY,
    deps=[transcript, slides],
    kinds={"llama.cpp"},
    pool=HEAVY_POOL,  # the notes writer keeps both cores busy, as transcription does
    automation_condition=follow_upstream(),
)
@lecture_step
def summary(
    context: dg.AssetExecutionContext, storage: LectureStorage, summarizer: LectureSummarizer
) -> dg.MaterializeResult:
    """Notes of the lecture: abstract, key points, chapters, glossary and review questions."""
    from konspekt.files import write_json

    folder = storage.lecture(context.partition_key)
    text = folder.read_transcript()
    deck = folder.read_slides()
    started = time.perf_counter()
    result = summarizer.build(progress=context.log.info).summarize(text, deck)
    path = write_json(folder.summary, result.to_dict())
    elapsed = time.perf_counter() - started
    uploaded = _published(storage, [path])
    info = result.summarizer
    chapters = "\n".join(
        f"- {clock(c.start)}–{clock(c.end)} **{c.title}**" for c in result.chapters
    )
    points = "\n".join(f"- {p}" for p in result.key_points)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "backend": info["backend"],
            "model": info["model"],
            **{f"model_{k}": info[k] for k in ("sha256", "licence") if k in info},
            "language": result.language,
            "chunks": int(info.get("chunks", 0)),
            "key_terms": ", ".join(result.key_terms),
            "chapters": len(result.chapters),
            "chapters_with_slides": sum(bool(c.slides) for c in result.chapters),
            "fallback_chapters": len(info.get("fallback_chapters", [])),
            "glossary_terms": len(result.glossary),
            "questions": len(result.questions),
            "summarize_s": round(elapsed, 2),
            # Wall time over the lecture's length: 0.15 means 9 s of notes per minute of audio.
            "time_ratio": round(elapsed / text.duration, 3) if text.duration else 0.0,
            "abstract": dg.MetadataValue.md(f"{result.abstract}\n\n{points}\n\n{chapters}"),
            **uploaded,
        }
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=lecture_partitions,
    retry_policy=RETRY,
    deps=[summary, slides],
    kinds={"reportlab", "pdf"},
    automation_condition=follow_upstream(),
)
@lecture_step
def pdf(context: dg.AssetExecutionContext, storage: LectureStorage) -> dg.MaterializeResult:
    """Lecture notes as a PDF: summary, key points, chapters with their slides, key terms and
    the transcript."""
    from lecture_assets.notes.pdf import build_pdf

    key = context.partition_key
    folder = storage.lecture(key)
    source = storage.source(key)
    text = folder.read_transcript()
    notes = folder.read_summary()
    deck = folder.read_slides()
    info = _notes_info(source, text, notes)
    target = folder.pdf
    started = time.perf_counter()
    pages = build_pdf(target, text, notes, info, deck, folder.path)
    render_s = time.perf_counter() - started
    uploaded = _published(storage, [target])
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "pages": pages,
            "slides": len(deck.slides),
            "size_kb": round(target.stat().st_size / 1024, 1),
            "render_s": round(render_s, 2),
            **uploaded,
        }
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=lecture_partitions,
    retry_policy=RETRY,
    deps=[transcript, summary, slides],
    kinds={"html", "markdown", "anki"},
    automation_condition=follow_upstream(),
)
@lecture_step
def study_notes(context: dg.AssetExecutionContext, storage: LectureStorage) -> dg.MaterializeResult:
    """The notes in the formats students study from: notes.html (plays the lecture; every
    time in it seeks the player), notes.md and notes.apkg (Anki: terms and review questions)."""
    from konspekt.files import write_text
    from lecture_assets.notes.anki import LectureCards, write_deck
    from lecture_assets.notes.markdown import lecture_markdown
    from lecture_assets.notes.page import build_page
    from lecture_assets.notes.study import cards

    key = context.partition_key
    folder = storage.lecture(key)
    source = storage.source(key)
    text = folder.read_transcript()
    notes = folder.read_summary()
    deck = folder.read_slides()
    info = _notes_info(source, text, notes)
    media = folder.relative(folder.listen) if folder.listen.is_file() else None
    if media is None:
        context.log.warning("listen.webm is missing: the notes page has no player")
    started = time.perf_counter()
    times = build_page(folder.page, text, notes, info, deck, media)
    write_text(folder.markdown, lecture_markdown(text, notes, info, deck))
    label = f"{source.course} — {info.title}" if source.course else info.title
    count = write_deck(folder.deck, label, [LectureCards(key, label, cards(notes, text))])
    render_s = time.perf_counter() - started
    uploaded = _published(storage, [folder.page, folder.markdown, folder.deck, folder.listen])
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(folder.page)),  # the notes page
            "markdown": dg.MetadataValue.path(str(folder.markdown)),
            "anki": dg.MetadataValue.path(str(folder.deck)),
            "clickable_times": times,
            "cards": count,
            "player": media or "none",
            **_course_label(source),
            "render_s": round(render_s, 2),
            **uploaded,
        }
    )


def _notes_info(source, text, notes):
    from lecture_assets.notes.pdf import NotesInfo

    return NotesInfo(
        title=display_name(Path(source.name).stem),
        source=display_name(source.name),
        created=datetime.now(UTC).date().isoformat(),
        models=f"whisper {text.model}; summary {notes.summarizer['backend']} "
        f"({notes.summarizer['model']})",
        course=source.course,
    )


@dg.asset(
    group_name=COURSES,
    partitions_def=course_partitions,
    # Each course reads the notes of its own lectures; which ones only the data folder knows,
    # so the lineage shows every lecture upstream and course_notes_due picks the course.
    deps=[dg.AssetDep(summary, partition_mapping=dg.AllPartitionMapping())],
    kinds={"reportlab", "pdf", "markdown", "anki"},
    retry_policy=RETRY,
    automation_condition=course_notes_due(),
)
@course_step
def course_notes(
    context: dg.AssetExecutionContext, storage: LectureStorage
) -> dg.MaterializeResult:
    """A course's notes: course_notes.pdf (a part per lecture in recording order and a merged
    glossary linked to each lecture and time), course.md and course.apkg (every lecture's
    cards)."""
    from lecture_assets.courses.book import build_course

    key = context.partition_key
    started = time.perf_counter()
    result = build_course(storage.layout, key, context.log.info)
    if not result.lectures:
        context.log.warning(f"course {result.name} has no lecture with notes yet")
    order = "\n".join(f"{n}. {title}" for n, title in enumerate(result.titles, 1))
    folder = storage.layout.course(key)
    uploaded = _published(storage, [*result.paths.values(), folder.record])
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.paths["pdf"])),
            "markdown": dg.MetadataValue.path(str(result.paths["markdown"])),
            "anki": dg.MetadataValue.path(str(result.paths["deck"])),
            "course": result.name,
            "lectures": result.lectures,
            "glossary_terms": result.terms,
            "cards": result.cards,
            "pages": result.pages,
            "order": dg.MetadataValue.md(order or "_no lectures with notes_"),
            "build_s": round(time.perf_counter() - started, 2),
            **uploaded,
        }
    )


lecture_assets = [audio, slides, transcript, summary, pdf, study_notes]
course_assets = [course_notes]
