import os
import time

import pytest

from konspekt.files import atomic_path, write_json, write_text


def test_failed_write_keeps_the_previous_good_file(tmp_path):
    target = write_text(tmp_path / "summary.json", "good")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-step")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_leftovers_of_a_killed_writer_are_cleaned_on_the_next_write(tmp_path):
    target = write_text(tmp_path / "notes.pdf", "v1")
    stale = tmp_path / ".notes.pdf.abc123.tmp"
    fresh = tmp_path / ".notes.pdf.def456.tmp"  # another writer, still working
    stale.write_text("half")
    fresh.write_text("half")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    write_text(target, "v2")
    assert target.read_text() == "v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name, "notes.pdf"]


def test_published_files_get_normal_permissions_and_surrogates_survive(tmp_path):
    target = write_json(tmp_path / "source.json", {"name": os.fsdecode(b"caf\xe9.mp4")})
    assert target.stat().st_mode & 0o644 == 0o644
    assert "\\udce9" in target.read_text()
