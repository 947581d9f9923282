"""Fetching over HTTP for real (a loopback server): resumed after a cut connection, atomic,
checked, and refused in one sentence when the source cannot be reached."""

import hashlib
import os

import pytest

from konspekt.fetch import FetchError, fetch_http, http_size, partial_path
from tests.helpers.platform import free_port
from tests.helpers.servers import file_server


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    payload = os.urandom(3 << 20)
    (folder / "data.bin").write_bytes(payload)
    with file_server(folder) as server:
        yield server, payload


def test_a_connection_cut_mid_file_is_resumed_where_it_stopped(served, tmp_path):
    server, payload = served
    server.cut_once.add("/data.bin")
    target = tmp_path / "out" / "data.bin"
    fetch_http(f"{server.url}/data.bin", target, "KONSPEKT_MNIST_SOURCE")
    assert target.read_bytes() == payload
    assert not partial_path(target).exists()
    # The second request asked only for what the first did not deliver.
    (_, first), (_, second) = server.requests
    assert first is None and second == f"bytes={len(payload) // 2}-"


def test_an_interrupted_fetch_leaves_no_file_and_the_next_one_resumes(served, tmp_path):
    server, payload = served
    server.cut_once.add("/data.bin")
    target = tmp_path / "data.bin"
    with pytest.raises(FetchError, match="could not be fetched in 1 attempts"):
        fetch_http(f"{server.url}/data.bin", target, "KONSPEKT_MNIST_SOURCE", attempts=1)
    assert not target.exists()  # a reader never sees half a file
    assert partial_path(target).stat().st_size == len(payload) // 2
    fetch_http(f"{server.url}/data.bin", target, "KONSPEKT_MNIST_SOURCE")
    assert target.read_bytes() == payload
    assert server.requests[-1][1] == f"bytes={len(payload) // 2}-"


def test_a_wrong_checksum_is_refused_and_the_part_dropped(served, tmp_path):
    server, payload = served
    target = tmp_path / "data.bin"
    wrong = ("sha256", hashlib.sha256(b"something else").hexdigest())
    with pytest.raises(FetchError, match="sha256 checksum other than the published one"):
        fetch_http(f"{server.url}/data.bin", target, "KONSPEKT_MNIST_SOURCE", wrong)
    assert not target.exists() and not partial_path(target).exists()
    right = ("sha256", hashlib.sha256(payload).hexdigest())
    assert fetch_http(f"{server.url}/data.bin", target, "KONSPEKT_MNIST_SOURCE", right).is_file()


def test_sizes_and_missing_files(served):
    server, payload = served
    assert http_size(f"{server.url}/data.bin", "V") == len(payload)
    assert http_size(f"{server.url}/nothing.bin", "V") is None


def test_an_unreachable_source_is_one_sentence_naming_the_variable(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/mnist"
    with pytest.raises(FetchError) as error:
        http_size(f"{url}/train-images-idx3-ubyte", "KONSPEKT_MNIST_SOURCE")
    message = str(error.value)
    assert message.startswith(f"KONSPEKT_MNIST_SOURCE={url}/train-images-idx3-ubyte cannot be")
    assert "Connection refused" in message and "\n" not in message
