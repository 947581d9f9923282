"""Which lectures make a course, in what order, and when the course is due: from the data
folder alone, and through Dagster's automation evaluator for the course_notes asset."""

import os

import dagster as dg

from konspekt.files import write_json
from lecture_assets import intake
from lecture_assets.courses.book import build_course
from lecture_assets.courses.catalog import course_key, course_of, members, outdated, vocabulary
from lecture_assets.definitions import defs
from lecture_assets.partitions import course_partitions
from lecture_assets.records import Chapter, Slide, SlideDeck, Summary, Term
from lecture_assets.sensors import inbox_sensor
from tests.helpers.media import copy_lecture


def notes(*terms: str, start: float = 5.0) -> Summary:
    """Notes as the summary step writes them (the notes themselves are tested in notes/)."""
    glossary = [Term(t, f"what {t} means", start + i) for i, t in enumerate(terms)]
    chapter = Chapter(0.0, 60.0, f"About {terms[0]}", "A chapter.", [], glossary)
    return Summary(
        "An abstract.", [], list(terms), [chapter], {"backend": "test"}, {}, "en", glossary
    )


def lecture(storage, name: str, course: str, mtime: int, extra: bytes) -> str:
    source = copy_lecture(storage.inbox_dir, name, extra)
    os.utime(source, (mtime, mtime))
    admission = intake.admit(storage.layout, source, {}, course)
    assert admission.status == "admitted", admission
    return admission.key


def test_course_key_and_folder():
    assert course_key("Алгоритмы и структуры данных") == "algoritmy-i-struktury-dannykh"
    assert course_key("Physics 101") == "physics-101"
    assert course_key("!!!").startswith("course-") and course_key("!!!") != course_key("???")
    assert course_of("Physics 101/week 1/intro.mp4") == "Physics 101"
    assert course_of("intro.mp4") == ""


def test_members_follow_recording_time_then_name(storage):
    late = lecture(storage, "a late one.mp4", "Physics", 2_000_000_000, b"1")
    early = lecture(storage, "z early one.mp4", "Physics", 1_000_000_000, b"2")
    week10 = lecture(storage, "week 10.mp4", "Physics", 1_500_000_000, b"3")
    week2 = lecture(storage, "week 2.mp4", "Physics", 1_500_000_000, b"4")
    other = lecture(storage, "other.mp4", "Chemistry", 1_200_000_000, b"5")
    found = members(storage.layout, "physics")
    assert [m.key for m in found] == [early, week2, week10, late]
    assert [m.number for m in found] == [1, 2, 3, 4]
    assert [m.key for m in members(storage.layout, "chemistry")] == [other]


def test_course_is_due_when_one_of_its_lectures_has_new_notes(storage):
    layout = storage.layout
    first = lecture(storage, "one.mp4", "Physics", 1_000_000_000, b"1")
    second = lecture(storage, "two.mp4", "Physics", 1_100_000_000, b"2")
    chemistry = lecture(storage, "three.mp4", "Chemistry", 1_000_000_000, b"3")
    assert not outdated(layout, "physics")  # no notes yet: nothing to build
    write_json(layout.lecture(first).summary, notes("momentum").to_dict())
    assert outdated(layout, "physics")
    result = build_course(layout, "physics")
    assert (result.lectures, result.titles) == (1, ["one"])
    assert not outdated(layout, "physics")
    write_json(layout.lecture(chemistry).summary, notes("enthalpy").to_dict())
    assert not outdated(layout, "physics") and outdated(layout, "chemistry")
    write_json(layout.lecture(second).summary, notes("inertia").to_dict())
    assert outdated(layout, "physics")
    build_course(layout, "physics")
    # Notes written again (a re-materialized summary) make the course due again.
    write_json(layout.lecture(first).summary, notes("momentum", "impulse").to_dict())
    assert outdated(layout, "physics")


def test_automation_requests_only_the_course_that_is_due(storage, instance, monkeypatch):
    monkeypatch.setenv("KONSPEKT_DATA_DIR", storage.data_dir)
    layout = storage.layout
    first = lecture(storage, "one.mp4", "Physics", 1_000_000_000, b"1")
    lecture(storage, "two.mp4", "Chemistry", 1_000_000_000, b"2")
    instance.add_dynamic_partitions(course_partitions.name, ["physics", "chemistry"])
    selection = dg.AssetSelection.assets("course_notes")
    result = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=selection
    )
    assert result.total_requested == 0
    write_json(layout.lecture(first).summary, notes("momentum").to_dict())
    result = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=selection, cursor=result.cursor
    )
    assert result.get_requested_partitions(dg.AssetKey("course_notes")) == {"physics"}


def test_vocabulary_comes_from_earlier_lectures_of_the_course(storage):
    layout = storage.layout
    first = lecture(storage, "one.mp4", "Algorithms", 1_000_000_000, b"1")
    second = lecture(storage, "two.mp4", "Algorithms", 1_100_000_000, b"2")
    third = lecture(storage, "three.mp4", "Algorithms", 1_200_000_000, b"3")
    alone = lecture(storage, "alone.mp4", "", 1_300_000_000, b"4")
    write_json(layout.lecture(first).summary, notes("memoization").to_dict())
    deck = SlideDeck(
        [
            Slide(
                0.0,
                9.0,
                "slides/001.jpg",
                "Levenshtein distance",
                "Levenshtein distance\nedit operations",
            )
        ]
    )
    write_json(layout.lecture(first).slides, deck.to_dict())
    write_json(layout.lecture(third).summary, notes("Dijkstra").to_dict())
    lines, used = vocabulary(layout, second)
    assert used == [first]
    assert lines[0] == "memoization" and "Levenshtein distance" in lines
    assert not any("Dijkstra" in line for line in lines)  # a later lecture's terms
    assert vocabulary(layout, first) == ([], [])
    assert vocabulary(layout, alone) == ([], [])
    assert vocabulary(layout, third)[1] == [first]  # the second has no notes yet


def test_inbox_folder_is_the_course(storage, instance):
    folder = storage.inbox_dir / "Алгоритмы" / "week 1"
    nested = copy_lecture(folder, "intro.mp4", b"1")
    copy_lecture(storage.inbox_dir, "loose.mp4", b"2")
    cursor = None
    for _ in range(2):
        context = dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"storage": storage}
        )
        result = inbox_sensor(context)
        cursor = result.cursor
    requests = {r.tags["konspekt/source"]: r for r in result.run_requests}
    assert set(requests) == {"Алгоритмы/week 1/intro.mp4", "loose.mp4"}
    assert requests["Алгоритмы/week 1/intro.mp4"].tags["konspekt/course"] == "algoritmy"
    assert "konspekt/course" not in requests["loose.mp4"].tags
    added = {
        (r.partitions_def_name, k)
        for r in result.dynamic_partitions_requests
        for k in r.partition_keys
    }
    assert ("courses", "algoritmy") in added
    key = requests["Алгоритмы/week 1/intro.mp4"].partition_key
    record = storage.source(key)
    assert (record.course, record.path) == ("Алгоритмы", str(nested.resolve()))
