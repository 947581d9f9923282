"""When a course's notes are rebuilt by themselves: a condition Dagster's own cannot say.

``course_notes`` depends on every lecture (a course's lectures are only known from the data
folder), so Dagster's built-in conditions would see each course as updated whenever any
lecture changes and as blocked while any lecture anywhere is missing or running. This one asks
the data folder: a course is due when one of *its* lectures has notes newer than the course's
files (lecture_assets.courses.catalog.outdated). It runs on the code server
(``use_user_code_server``), where the settings are.
"""

from __future__ import annotations

import dagster as dg

from konspekt.errors import KonspektError
from konspekt.settings import Settings
from lecture_assets.courses.catalog import by_course, outdated
from lecture_assets.layout import Layout


class CourseNotesOutdated(dg.AutomationCondition):
    """True for the courses whose lectures have notes the course's files do not hold yet."""

    @property
    def name(self) -> str:
        return "course_notes_outdated"

    @property
    def description(self) -> str:
        return "A lecture of this course has new notes"

    def evaluate(self, context: dg.AutomationContext) -> dg.AutomationResult:
        candidates = context.candidate_subset
        try:
            settings = Settings.from_env()
        except KonspektError as exc:  # a bad setting shows in the sensor's log, not a crash
            context.log.warning(f"course notes not checked: {exc}")
            return dg.AutomationResult(context, context.get_empty_subset())
        layout = Layout.of(settings.data_dir, settings.inbox)
        courses = by_course(layout)  # one pass over the lectures for all courses
        due = {
            k
            for k in candidates.expensively_compute_partition_keys()
            if outdated(layout, k, courses.get(k, []))
        }
        return dg.AutomationResult(
            context, candidates.compute_intersection_with_partition_keys(due)
        )


def course_notes_due() -> dg.AutomationCondition:
    """Due, and not already running or requested on the previous tick."""
    return (
        CourseNotesOutdated()
        & ~dg.AutomationCondition.in_progress()
        & ~dg.AutomationCondition.newly_requested()
    ).with_label("course notes due")
