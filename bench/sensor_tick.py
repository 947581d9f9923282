"""Inbox sensor tick time over a large inbox (run by hand; prints figures).

    .venv/bin/python bench/sensor_tick.py [N_FILES] 2>/dev/null   # stderr: a line per file

The first tick sees N new files (pending until their size holds for a tick); the next ticks
admit them (hash, register, request runs), as many per tick as fit the sensor's 3-second
admission budget; then the steady state (nothing new), one new file seen, and it admitted.
"""

import sys
import tempfile
import time

import dagster as dg

from lecture_assets.resources import LectureStorage
from lecture_assets.sensors import inbox_sensor

MP4_HEAD = b"\x00\x00\x00\x10ftypisom"


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, dg.DagsterInstance.ephemeral() as instance:
        storage = LectureStorage(data_dir=tmp)
        storage.inbox_dir.mkdir(parents=True)
        for i in range(count):
            # Distinct 1 KB files that start like an MP4 (admission's cheap container check).
            data = MP4_HEAD + i.to_bytes(4, "big") * 252
            (storage.inbox_dir / f"lecture {i:05d}.mp4").write_bytes(data)
        cursor, admitted, ticks = None, 0, []

        def tick(label: str) -> int:
            nonlocal cursor
            context = dg.build_sensor_context(
                instance=instance, cursor=cursor, resources={"storage": storage}
            )
            started = time.perf_counter()
            result = inbox_sensor(context)
            elapsed = time.perf_counter() - started
            cursor = result.cursor
            ticks.append(elapsed)
            print(
                f"tick {len(ticks):2d} {label:16s} {elapsed:6.2f} s  runs requested: "
                f"{len(result.run_requests):5d}  cursor: {len(cursor) / 1024:4.0f} KiB"
            )
            return len(result.run_requests)

        tick("first sight")
        while admitted < count:
            requested = tick("admitting")
            if not requested:
                raise SystemExit("a tick admitted nothing")
            admitted += requested
        tick("steady state")
        (storage.inbox_dir / "late arrival.mp4").write_bytes(MP4_HEAD + b"late" * 252)
        tick("one new file")
        tick("admit it")
        print(f"longest tick {max(ticks):.2f} s over {count} files")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
