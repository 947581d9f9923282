"""A burst of dropped lectures under `make run`: the "heavy" pool at run vs op granularity
(run by hand; prints figures).

    .venv/bin/python bench/burst.py [N_FILES]

For each granularity: `dagster dev` with the repository's dagster.yaml (only the granularity
changed), a fresh instance and data folder, the extractive notes writer (the pool, not the
notes, is measured); N copies of the fixture lecture with distinct bytes dropped at once; then
the time until every notes.pdf exists, and the CPU the platform's processes used meanwhile.
At "op" granularity each queued run is a process that polls for its pool slot; at "run" it
stays in the queue.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LECTURE = REPO / "tests" / "fixtures" / "lecture.mp4"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_cpu_s(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a group, and of their reaped children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # utime, stime, cutime, cstime are fields 14-17
            total += sum(int(f) for f in fields[11:15]) / tick
    return total


def burst(granularity: str, count: int) -> tuple[float, float]:
    root = Path(tempfile.mkdtemp(prefix=f"burst-{granularity}-"))
    home, data = root / "home", root / "data"
    home.mkdir()
    config = (
        (REPO / "dagster.yaml")
        .read_text()
        .replace("granularity: run", f"granularity: {granularity}")
    )
    (home / "dagster.yaml").write_text(config)
    (data / "inbox").mkdir(parents=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONSPEKT_")}
    env |= {"DAGSTER_HOME": str(home), "KONSPEKT_DATA_DIR": str(data)}
    env |= {"KONSPEKT_SUMMARIZER": "extractive"}
    dagster = Path(sys.executable).with_name("dagster")
    with (root / "dev.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                time.sleep(1)
        time.sleep(20)  # the code locations load
        cpu_before = group_cpu_s(proc.pid)
        started = time.monotonic()
        for i in range(count):
            target = data / "inbox" / f"burst {i:02d}.mp4"
            shutil.copyfile(LECTURE, target)
            with target.open("ab") as handle:
                handle.write(bytes([i]) * 16)
        while True:
            pdfs = list((data / "lectures").glob("*/notes.pdf"))
            if len(pdfs) >= count:
                break
            if time.monotonic() - started > 60 * count:
                raise SystemExit(
                    f"{granularity}: only {len(pdfs)}/{count} PDFs; see {root}/dev.log"
                )
            time.sleep(1)
        elapsed = time.monotonic() - started
        return elapsed, group_cpu_s(proc.pid) - cpu_before
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def main(count: int) -> None:
    print(f"{count} lectures of {LECTURE.name} dropped at once, 2 cores\n")
    print("| pool granularity | until every PDF | per lecture | CPU used by the platform |")
    print("| --- | --- | --- | --- |")
    for granularity in ("op", "run"):
        elapsed, cpu = burst(granularity, count)
        print(
            f"| {granularity} | {elapsed:.0f} s | {elapsed / count:.1f} s | {cpu:.0f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
