"""The lecture folder's file names are spelled in one module of the package code."""

import re

from lecture_assets.layout import Layout, LectureFolder
from tests.helpers import REPO

FILE_PROPERTIES = [
    "source",
    "audio",
    "transcript",
    "transcript_text",
    "srt",
    "vtt",
    "summary",
    "pdf",
]


def test_every_artifact_has_a_distinct_name_in_the_lecture_folder(tmp_path):
    folder = Layout.of(tmp_path).lecture("talk-0123456789")
    paths = [getattr(folder, name) for name in FILE_PROPERTIES]
    assert len({p.name for p in paths}) == len(paths)
    assert all(p.parent == tmp_path.resolve() / "lectures" / "talk-0123456789" for p in paths)


def test_file_names_appear_only_in_the_layout_module(tmp_path):
    names = {getattr(LectureFolder(tmp_path), prop).name for prop in FILE_PROPERTIES}
    pattern = re.compile("|".join(re.escape(f'"{name}"') for name in sorted(names)))
    spelled = {
        path.relative_to(REPO).as_posix()
        for package in ("konspekt", "lecture_assets", "training_assets")
        for path in (REPO / package).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    }
    assert spelled == {"lecture_assets/layout.py"}
