import wave

import pytest

from lecture_assets.asr.media import MediaError, extract_audio, load_pcm, probe
from tests.helpers.media import LECTURE_MP4, make_media


def test_extract_audio_gives_16k_mono_wav(tmp_path):
    target = tmp_path / "out" / "audio.wav"
    info = extract_audio(LECTURE_MP4, target)
    with wave.open(str(target)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        frames = wav.getnframes()
    assert info.duration == pytest.approx(52.7, abs=0.3)
    assert frames == pytest.approx(info.duration * 16000, abs=16)
    assert info.source_codec == "aac" and info.has_video
    assert -40 < info.dbfs < 0
    assert [p.name for p in target.parent.iterdir()] == ["audio.wav"]  # no temp file left
    pcm = load_pcm(target)
    assert pcm.dtype.name == "float32" and len(pcm) == frames and abs(pcm).max() <= 1.0


def test_audio_only_file_is_processed_like_a_video(tmp_path):
    mp3 = make_media(tmp_path / "tone.mp3", "-f", "lavfi", "-i", "sine=frequency=440:duration=2")
    info = extract_audio(mp3, tmp_path / "audio.wav")
    assert info.duration == pytest.approx(2.0, abs=0.1) and not info.has_video


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p / "missing.mp4", "was not found"),
        (lambda p: _write(p / "empty.mp4", b""), "is empty"),
        (lambda p: _write(p / "notes.mp4", b"just some text, renamed\n" * 50), "not a readable"),
        (lambda p: _write(p / "cut.mp4", LECTURE_MP4.read_bytes()[:4000]), "truncated or corrupt"),
        (
            lambda p: make_media(p / "silent.mp4", "-f", "lavfi", "-i", "color=s=64x64:d=1"),
            "has no audio track",
        ),
    ],
)
def test_bad_input_gets_one_readable_sentence_and_no_output(tmp_path, setup, message):
    source = setup(tmp_path)
    target = tmp_path / "out" / "audio.wav"
    with pytest.raises(MediaError, match=message) as caught:
        extract_audio(source, target)
    assert "\n" not in str(caught.value)
    assert not target.exists()
    assert not any(target.parent.glob("*")) if target.parent.exists() else True


def test_probe_reports_streams():
    info = probe(LECTURE_MP4)
    assert (info.audio_codec, info.video_codec) == ("aac", "h264")
    assert info.duration == pytest.approx(52.7, abs=0.3)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_pcm_is_held_once_however_long_the_recording(tmp_path):
    import tracemalloc

    wav = tmp_path / "audio.wav"
    extract_audio(make_media(tmp_path / "long.flac", "-f", "lavfi", "-i", "sine=duration=120"), wav)
    tracemalloc.start()
    pcm = load_pcm(wav, block_frames=16_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(pcm) == 120 * 16_000
    # float32 samples once, plus one block: no int16 copy of the whole file, no temporary.
    assert peak < pcm.nbytes * 1.05, (peak, pcm.nbytes)
