"""Inbox sensor tick time over a large inbox (run by hand; prints figures).

    .venv/bin/python bench/sensor_tick.py [N_FILES] 2>/dev/null   # stderr: a line per file

Ticks: 1 sees N new files (pending), 2 admits them all (hash, register, request runs),
3 is the steady state (nothing new), 4 sees one new file, 5 admits it.
"""

import sys
import tempfile
import time

import dagster as dg

from lecture_assets.resources import LectureStorage
from lecture_assets.sensors import inbox_sensor


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, dg.DagsterInstance.ephemeral() as instance:
        storage = LectureStorage(data_dir=tmp)
        storage.inbox_dir.mkdir(parents=True)
        for i in range(count):
            (storage.inbox_dir / f"lecture {i:05d}.mp4").write_bytes(i.to_bytes(4, "big") * 256)
        cursor = None
        labels = ["1 first sight", "2 admit all", "3 steady state", "4 one new file", "5 admit it"]
        for label in labels:
            if label.startswith("4"):
                (storage.inbox_dir / "late arrival.mp4").write_bytes(b"late" * 256)
            context = dg.build_sensor_context(
                instance=instance, cursor=cursor, resources={"storage": storage}
            )
            started = time.perf_counter()
            result = inbox_sensor(context)
            elapsed = time.perf_counter() - started
            cursor = result.cursor
            print(
                f"tick {label:15s} {elapsed:6.2f} s  runs requested: {len(result.run_requests):5d}"
                f"  cursor: {len(cursor) / 1024:6.0f} KiB"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
