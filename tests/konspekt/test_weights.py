import hashlib

import pytest

from konspekt.weights import Bundle, WeightsError, assemble, verify

PARTS = [b"first part " * 100, b"second part " * 100, b"last"]


@pytest.fixture
def bundle(tmp_path, monkeypatch) -> Bundle:
    """A model split over two installed 'packages', as the bundled ones are."""
    for number, package in enumerate(["fake_model_part1", "fake_model_part2"]):
        folder = tmp_path / "site" / package / "data"
        folder.mkdir(parents=True)
        (folder.parent / "__init__.py").write_text("")
        chunks = PARTS[:2] if number == 0 else PARTS[2:]
        (folder / f"part{number}.bin").write_bytes(b"".join(chunks))
    (tmp_path / "site" / "fake_model_part1" / "data" / "config.json").write_text("{}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(PARTS)
    return Bundle(
        name="fake",
        file="model.bin",
        parts=(("fake_model_part1", "data/part0.bin"), ("fake_model_part2", "data/part1.bin")),
        sha256=hashlib.sha256(whole).hexdigest(),
        size=len(whole),
        licence="MIT",
        extras=(("fake_model_part1", "data/config.json"),),
    )


def test_parts_are_assembled_once_and_verified(bundle, tmp_path):
    path = assemble(bundle, tmp_path / "models")
    assert path == tmp_path / "models" / "fake" / "model.bin"
    assert path.read_bytes() == b"".join(PARTS)
    assert (path.parent / "config.json").read_text() == "{}"
    before = path.stat().st_mtime_ns
    assert assemble(bundle, tmp_path / "models") == path and path.stat().st_mtime_ns == before


def test_a_changed_file_is_refused_with_a_sentence(bundle, tmp_path):
    path = assemble(bundle, tmp_path / "models")
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=r"is not the pinned fake \(sha256 .*Refusing to load"):
        verify(path, bundle)
    path.write_bytes(b"short")
    with pytest.raises(WeightsError, match="5 bytes, not 2,"):
        assemble(bundle, tmp_path / "models")


def test_parts_that_do_not_add_up_leave_no_cached_file(bundle, tmp_path):
    wrong = Bundle(**{**bundle.__dict__, "sha256": "0" * 64})
    with pytest.raises(WeightsError):
        assemble(wrong, tmp_path / "models")
    assert not (tmp_path / "models" / "fake" / "model.bin").exists()


def test_a_missing_package_names_the_install_command(tmp_path):
    missing = Bundle("x", "m.bin", (("no_such_package_anywhere", "a.bin"),), "0" * 64, 1, "MIT")
    with pytest.raises(WeightsError, match="no_such_package_anywhere is not installed"):
        assemble(missing, tmp_path)
