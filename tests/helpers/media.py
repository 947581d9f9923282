"""The committed test recordings and small media files made on the fly with the bundled ffmpeg."""

import shutil
import subprocess
from pathlib import Path

from lecture_assets.asr.media import ffmpeg_exe
from tests.helpers import REPO

FIXTURES = REPO / "tests" / "fixtures"
LECTURE_MP4 = FIXTURES / "lecture.mp4"  # espeak-ng reading lecture.txt over a still frame
LECTURE_SCRIPT = (FIXTURES / "lecture.txt").read_text()
JFK = FIXTURES / "jfk.flac"  # real speech (public domain), 16 kHz mono, see fixtures/README.md
JFK_TEXT = (
    "And so my fellow Americans ask not what your country can do for you, "
    "ask what you can do for your country."
)


def make_media(target: Path, *ffmpeg_args: str) -> Path:
    """Render a small test file with the bundled ffmpeg (lavfi sources, no inputs needed)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", *ffmpeg_args, str(target)]
    subprocess.run(cmd, check=True)
    return target


def copy_lecture(folder: Path, name: str, extra: bytes = b"") -> Path:
    """The fixture lecture under ``name``; ``extra`` bytes appended make distinct content."""
    folder.mkdir(parents=True, exist_ok=True)
    target = Path(shutil.copyfile(LECTURE_MP4, folder / name))
    if extra:
        with target.open("ab") as handle:
            handle.write(extra)
    return target
