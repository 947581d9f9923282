"""`konspekt process|backfill [--json] ...`: the lecture pipeline without the UI, for scripts."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Outcome:
    input: str
    status: str  # ok | failed | duplicate
    partition: str | None = None
    pdf: str | None = None
    error: str | None = None
    course: str | None = None


def _instance():
    import dagster as dg

    from konspekt.instance import prepare_home

    if not os.environ.get("DAGSTER_HOME"):
        # Same default and the same dagster.yaml as `make run`, so CLI runs show up in the UI
        # started from this folder and both run with the same pool and queue settings.
        home = Path(".dagster_home").resolve()
        prepare_home(home)
        os.environ["DAGSTER_HOME"] = str(home)
        print(f"konspekt: DAGSTER_HOME not set, using {home}", file=sys.stderr)
    elif not Path(os.environ["DAGSTER_HOME"]).is_dir():
        # A new instance folder named by the user: set it up as `make home` would.
        prepare_home(Path(os.environ["DAGSTER_HOME"]).expanduser().resolve())
    import fcntl

    home = Path(os.environ["DAGSTER_HOME"]).expanduser()
    # Two `konspekt` starting together on a new instance would both create its SQLite tables
    # ("table already exists"): one at a time creates them, the other then finds them.
    with (home / ".konspekt-instance.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)  # run storage
        instance.get_dynamic_partitions("lectures")  # event log storage
        instance.all_instigator_state()  # schedule storage
    return instance


def _failure_message(result) -> str:
    """One readable sentence: a dg.Failure's description, else a failed check's, else the error."""
    failures = [e.step_failure_data for e in result.all_events if e.is_step_failure]
    for data in failures:
        if data.user_failure_data and data.user_failure_data.description:
            return data.user_failure_data.description
    for check in result.get_asset_check_evaluations():
        if not check.passed and check.description:
            return check.description
    for data in failures:
        if data.error:
            return data.error.message.strip().splitlines()[0]
    return "The run failed; see the run's logs in the Dagster UI."


def process_one(
    path_arg: str, instance, resources, index: dict[str, str], course: str = ""
) -> Outcome:
    from dataclasses import replace

    from lecture_assets import intake
    from lecture_assets.courses.catalog import course_key
    from lecture_assets.partitions import course_partitions, lecture_partitions

    admission = intake.admit(resources["storage"].layout, Path(path_arg), index, course)
    named = course or None
    if admission.status == "rejected":
        return Outcome(path_arg, "failed", error=admission.reason, course=named)
    key = admission.key
    if admission.status == "duplicate":
        return Outcome(path_arg, "duplicate", partition=key, course=named)
    _add_partition(instance, lecture_partitions.name, key)
    tags = {"konspekt/source": "cli"}
    if course:
        tags["konspekt/course"] = course_key(course)
        _add_partition(instance, course_partitions.name, tags["konspekt/course"])
    print(f"konspekt: processing {path_arg} as {key}", file=sys.stderr)
    return replace(run_partition(path_arg, key, instance, resources, tags), course=named)


def _add_partition(instance, name: str, key: str) -> None:
    """Add ``key`` unless there; a second `konspekt` or the sensor adding it meanwhile is fine."""
    if instance.has_dynamic_partition(name, key):
        return
    try:
        instance.add_dynamic_partitions(name, [key])
    except Exception:  # the storage's unique constraint: someone else added it first
        if not instance.has_dynamic_partition(name, key):
            raise


def run_course(course: str, instance, resources) -> tuple[bool, str]:
    """Materialize the course's notes in this process: (success, the PDF or the error)."""
    from lecture_assets.assets import course_assets
    from lecture_assets.courses.catalog import course_key

    key = course_key(course)
    tags = {"konspekt/source": "cli", "konspekt/course": key}
    result = _materialize(course_assets, key, instance, resources, tags)
    if not result.success:
        return False, _failure_message(result)
    return True, str(resources["storage"].layout.course(key).pdf)


def _materialize(assets: list, key: str, instance, resources, tags: dict[str, str]):
    """One partition's run of ``assets`` in this process; failures are returned, not raised."""
    import dagster as dg

    from konspekt.launcher import worker_tags

    return dg.materialize(
        assets,
        instance=instance,
        partition_key=key,
        resources=resources,
        raise_on_error=False,
        # This process is the run's worker: if it dies, run monitoring (or the next `konspekt`)
        # marks the run failed. The daemon cannot re-execute an in-process run: no retries.
        tags={**tags, **worker_tags(), "dagster/max_retries": "0"},
        # Step starts, outputs and engine events at DEBUG would drown the progress lines.
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )


def run_partition(label: str, key: str, instance, resources, tags: dict[str, str]) -> Outcome:
    """One Dagster run of the whole pipeline for one lecture, in this process.

    Runs share the process, so whisperX and the embedding model load once for all of them
    (lecture_assets.asr.transcribe.load_whisper is cached), while each lecture keeps its own run,
    checks and metadata in the UI and one bad file fails only its own run.
    """

    from lecture_assets.assets import lecture_assets

    result = _materialize(lecture_assets, key, instance, resources, tags)
    if not result.success:
        return Outcome(label, "failed", partition=key, error=_failure_message(result))
    pdf = resources["storage"].lecture(key).pdf
    return Outcome(label, "ok", partition=key, pdf=str(pdf))


def backfill_keys(instance, keys: list[str], everything: bool, missing: bool) -> list[str]:
    """The registered lectures to reprocess: named ones, all, or those without notes yet."""
    import dagster as dg

    from lecture_assets.partitions import lecture_partitions

    registered = list(instance.get_dynamic_partitions(lecture_partitions.name))
    if everything:
        return registered
    if missing:
        done = instance.get_materialized_partitions(dg.AssetKey("pdf"))
        return [key for key in registered if key not in done]
    return list(dict.fromkeys(keys))  # each named lecture once, in the order given


def expand(args: list[str]) -> list[tuple[str, str]]:
    """Folders stand for the recordings in them (as the inbox sensor would see them): each
    input as (path, why it is refused, or "")."""
    from konspekt.watch import display_name, survey
    from lecture_assets.asr.media import MEDIA_EXTENSIONS

    paths: list[tuple[str, str]] = []
    for arg in args:
        folder = Path(arg)
        if folder.is_dir():
            found, refused = survey(folder, MEDIA_EXTENSIONS)
            every = sorted([*found, *refused])
            paths += [
                (
                    str(folder / rel),
                    f"{display_name(rel)} {refused[rel]}." if rel in refused else "",
                )
                for rel in every
            ]
        else:
            paths.append((arg, ""))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="konspekt", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    process = commands.add_parser("process", help="turn lecture files into notes")
    process.add_argument(
        "files", nargs="+", metavar="FILE", help="recordings, or folders of recordings"
    )
    process.add_argument(
        "--course",
        default="",
        metavar="NAME",
        help="file the recordings under this course and write its course notes",
    )
    backfill = commands.add_parser(
        "backfill",
        help="reprocess registered lectures in one process (models loaded once)",
        description="Re-materialize audio, slides, transcript, summary and pdf of lectures already "
        "registered (by the inbox sensor or `konspekt process`): one run per lecture, all in "
        "this process, so the models load once. Use it after changing a model.",
    )
    which = backfill.add_mutually_exclusive_group(required=True)
    which.add_argument("keys", nargs="*", default=[], metavar="KEY", help="lecture partitions")
    which.add_argument("--all", action="store_true", help="every registered lecture")
    which.add_argument(
        "--missing", action="store_true", help="lectures whose pdf was never materialized"
    )
    for command in (process, backfill):
        command.add_argument("--json", action="store_true", help="one JSON object per input")
    args = parser.parse_args(argv)

    from konspekt.errors import KonspektError
    from lecture_assets import intake
    from lecture_assets.resources import resources_from_env

    # Dagster's console log is the progress report; stdout stays for results only.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    logging.getLogger("lecture_assets").setLevel(logging.INFO)
    try:
        resources = resources_from_env()
        instance = _instance()
    except KonspektError as exc:  # a bad setting: one sentence, not a traceback
        print(f"konspekt: {exc}", file=sys.stderr)
        return 2
    from konspekt.launcher import fail_orphaned_runs

    for run_id in fail_orphaned_runs(instance):  # e.g. a `konspekt` killed mid-run
        print(f"konspekt: run {run_id} had lost its process; marked failed", file=sys.stderr)
    if args.command == "process":
        index = intake.fingerprint_index(resources["storage"].layout)
        course = " ".join(args.course.split())
        outcomes = (
            Outcome(path_arg, "failed", error=refused, course=course or None)
            if refused
            else process_one(path_arg, instance, resources, index, course)
            for path_arg, refused in expand(args.files)
        )
    else:
        outcomes = backfill_runs(args, instance, resources)
    failed = False
    courses: list[str] = []  # of the lectures that got new notes
    for outcome in outcomes:
        failed |= outcome.status == "failed"
        if outcome.status == "ok" and outcome.course:
            courses.append(outcome.course)
        if args.json:
            print(json.dumps(asdict(outcome), ensure_ascii=False), flush=True)
        else:
            detail = outcome.pdf or outcome.error or f"same content as {outcome.partition}"
            print(f"{outcome.status:9} {outcome.input}: {detail}", flush=True)
    # After their lectures, so each course's notes hold every lecture that got new notes.
    for name in dict.fromkeys(courses):
        print(f"konspekt: writing the notes of course {name}", file=sys.stderr)
        built, detail = run_course(name, instance, resources)
        print(f"konspekt: course {name}: {detail}", file=sys.stderr)
        failed |= not built
    return 1 if failed else 0


def backfill_runs(args, instance, resources):
    from dataclasses import replace

    from lecture_assets.courses.catalog import course_key
    from lecture_assets.layout import LECTURE_KEY
    from lecture_assets.partitions import lecture_partitions

    keys = backfill_keys(instance, args.keys, args.all, args.missing)
    if not keys:
        print("konspekt: nothing to backfill", file=sys.stderr)
    tags = {"konspekt/source": "cli-backfill", "konspekt/backfill": _backfill_id()}
    for number, key in enumerate(keys, 1):
        if not instance.has_dynamic_partition(lecture_partitions.name, key):
            yield Outcome(key, "failed", partition=key, error=f"No lecture {key} is registered.")
            continue
        if not LECTURE_KEY.fullmatch(key):  # added by hand through the API: never a folder
            error = f"{key!r} is not a lecture partition key; it is not processed."
            yield Outcome(key, "failed", partition=key, error=error)
            continue
        print(f"konspekt: backfill {number}/{len(keys)}: {key}", file=sys.stderr)
        record = resources["storage"].lecture(key).read_source()
        course = record.course if record else ""
        lecture_tags = {**tags, "konspekt/course": course_key(course)} if course else tags
        outcome = run_partition(key, key, instance, resources, lecture_tags)
        yield replace(outcome, course=course or None)


def _backfill_id() -> str:
    from datetime import UTC, datetime

    # Readable, and distinct for two backfills started in the same second.
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"


if __name__ == "__main__":
    sys.exit(main())
