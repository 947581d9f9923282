"""The inbox sensor: a dropped file becomes a `lectures` partition and one run of the job."""

import hashlib
import time
import warnings

import dagster as dg

from konspekt.errors import KonspektError
from konspekt.watch import Arrivals, display_name, is_candidate, survey
from lecture_assets import intake
from lecture_assets.asr.media import MEDIA_EXTENSIONS
from lecture_assets.courses.catalog import course_key, course_of
from lecture_assets.partitions import course_partitions, lecture_partitions
from lecture_assets.resources import LectureStorage

lecture_job = dg.define_asset_job(
    "lecture_job",
    selection=dg.AssetSelection.groups("lectures"),
    partitions_def=lecture_partitions,
    tags={"konspekt/pipeline": "lectures"},
)

# Admitting a file (hash, register) is the slow part of a tick: past this budget the rest waits
# for the next tick, so a tick stays a few seconds however many files arrive at once.
ADMIT_BUDGET_S = 3.0


@dg.sensor(
    job=lecture_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers each new, fully copied file in the inbox as a lecture and processes it.",
)
def inbox_sensor(
    context: dg.SensorEvaluationContext, storage: LectureStorage
) -> dg.SensorResult | dg.SkipReason:
    layout = storage.layout
    remote = storage.remote_inbox
    try:
        objects = remote_objects(remote) if remote else {}
    except KonspektError as exc:  # an unreachable bucket: say so, keep the cursor, try again
        context.log.warning(str(exc))
        return dg.SkipReason(str(exc))
    found, refused = (
        ({rel: (info.size, _etag_number(info.etag)) for rel, info in objects.items()}, {})
        if remote
        else survey(layout.inbox, MEDIA_EXTENSIONS)
    )
    tick = Arrivals.of(found, context.cursor, refused)
    for rel in tick.newly_refused:  # said once, not every tick
        context.log.warning(f"not a lecture: {display_name(rel)} {refused[rel]}.")
    index = intake.fingerprint_index(layout) if tick.ready else {}
    # One query for all keys: asking per file cost ~1 ms each, 10 s for 10,000 new files.
    known = (
        set(context.instance.get_dynamic_partitions(lecture_partitions.name))
        if tick.ready
        else set()
    )
    courses = (
        set(context.instance.get_dynamic_partitions(course_partitions.name))
        if tick.ready
        else set()
    )
    new_keys: list[str] = []
    new_courses: list[str] = []
    run_requests: list[dg.RunRequest] = []
    started = time.monotonic()
    for done, rel in enumerate(tick.ready):
        # At least one file per tick, so a file that alone takes longer than the budget to
        # hash still gets in.
        if done and time.monotonic() - started > ADMIT_BUDGET_S:
            tick.pending[rel] = tick.current[rel]  # still stable next tick, so admitted then
            continue
        tick.seen[rel] = tick.current[rel]
        name = display_name(rel)
        course = course_of(rel)  # inbox/<course>/.../file
        if remote:  # fetched into the local mirror, then admitted like a dropped file
            try:
                fetch_object(remote, rel, layout.inbox / rel, objects[rel])
            except KonspektError as exc:  # a network hiccup: the next tick tries again
                context.log.warning(f"{name} not fetched yet: {exc}")
                del tick.seen[rel]
                tick.pending[rel] = tick.current[rel]
                continue
        try:
            path = layout.inbox / rel
            admission = intake.admit(layout, path, index, course, follow_links=False)
        except Exception as exc:  # one bad file must never fail the tick for the others
            admission = intake.Admission("rejected", reason=f"{name} could not be admitted: {exc}")
        if admission.status == "rejected":
            context.log.warning(f"not a lecture: {admission.reason}")
            continue
        key = admission.key
        if admission.status == "duplicate":
            context.log.info(f"{name} has the same content as lecture {key}; not processed again")
            continue
        context.log.info(f"{name} -> lecture {key}" + (f" of course {course}" if course else ""))
        if key not in known:
            known.add(key)
            new_keys.append(key)
        tags = {"konspekt/source": name}
        if course:
            tags["konspekt/course"] = course_key(course)
            if tags["konspekt/course"] not in courses:
                courses.add(tags["konspekt/course"])
                new_courses.append(tags["konspekt/course"])
        # run_key makes a repeated evaluation (or a cursor reset) a no-op for Dagster.
        run_requests.append(dg.RunRequest(run_key=key, partition_key=key, tags=tags))

    requests = []
    if new_keys:
        requests.append(lecture_partitions.build_add_request(new_keys))
    if new_courses:
        requests.append(course_partitions.build_add_request(new_courses))
    return dg.SensorResult(
        run_requests=run_requests, dynamic_partitions_requests=requests, cursor=tick.cursor()
    )


def remote_objects(location) -> dict:
    """The S3 inbox's candidate objects (key -> size and ETag), as scan() sees a folder."""
    from konspekt.objects import list_objects
    from konspekt.settings import INBOX_VARIABLE

    return {
        rel: info
        for rel, info in list_objects(location, INBOX_VARIABLE).items()
        if is_candidate(rel.rsplit("/", 1)[-1], MEDIA_EXTENSIONS)
        and not any(part.startswith(".") for part in rel.split("/"))
    }


def _etag_number(etag: str) -> int:
    # The cursor keeps [size, number] per file; for an object the number stands for its ETag,
    # so an object counts as arrived once its size and ETag hold across two ticks.
    return int(hashlib.sha256(etag.encode()).hexdigest()[:15], 16)


def fetch_object(location, rel: str, target, info) -> None:
    """The object into the local mirror (resumed after an interrupted tick), unless there."""
    from konspekt.objects import download
    from konspekt.settings import INBOX_VARIABLE

    if not (target.is_file() and target.stat().st_size == info.size):
        download(location, rel, target, info, INBOX_VARIABLE)


lecture_automation_sensor = dg.AutomationConditionSensorDefinition(
    "lecture_automation_sensor",
    target=dg.AssetSelection.groups("lectures"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Re-materializes transcript, summary, pdf and study_notes when something "
    "upstream changes.",
)


with warnings.catch_warnings():
    # use_user_code_server is beta; the warning would print on every load of the location.
    warnings.simplefilter("ignore", dg.BetaWarning)
    course_automation_sensor = dg.AutomationConditionSensorDefinition(
        "course_automation_sensor",
        target=dg.AssetSelection.groups("courses"),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        # course_notes_due reads the data folder, which only the code server sees.
        use_user_code_server=True,
        description="Rebuilds a course's notes when one of its lectures gets new notes.",
    )
