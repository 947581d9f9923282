"""The pause-aware window packing that feeds whisperX's batches (no model needed)."""

from itertools import pairwise

import pytest
from whisperx.diarize import Segment

from lecture_assets.asr.vad import PAD, BundledSilero


def regions(*spans: tuple[float, float]) -> list[Segment]:
    return [Segment(start, end, "UNKNOWN") for start, end in spans]


def test_silence_gives_no_windows():
    assert BundledSilero.merge_chunks([], 30.0) == []


def test_short_speech_is_one_window_with_padding():
    (window,) = BundledSilero.merge_chunks(regions((1.0, 4.0), (4.5, 9.0)), 30.0)
    assert window["start"] == pytest.approx(1.0 - PAD)
    assert window["end"] == pytest.approx(9.0 + PAD)
    assert window["segments"] == [(1.0, 4.0), (4.5, 9.0)]


def test_window_ends_at_the_longest_pause_in_its_second_half():
    # Pauses: 0.2 s at 10, 1.0 s at 18 (the sentence end), 0.2 s at 24; 40 s of speech.
    speech = regions((0.0, 10.0), (10.2, 18.0), (19.0, 24.0), (24.2, 29.0), (29.2, 40.0))
    first, second = BundledSilero.merge_chunks(speech, 30.0)
    assert first["segments"][-1] == (10.2, 18.0)
    assert first["end"] == pytest.approx(18.0 + PAD)
    assert second["start"] == pytest.approx(19.0 - PAD)


def test_a_pause_in_the_first_half_is_not_used():
    # The long pause at 5 s would leave a 5-second window: cut at the latest of the later ones.
    speech = regions((0.0, 5.0), (7.0, 20.0), (20.3, 28.0), (28.3, 45.0))
    first, *_ = BundledSilero.merge_chunks(speech, 30.0)
    assert first["segments"][-1] == (20.3, 28.0)


def test_windows_cover_every_region_once_and_fit_whisper():
    spans, at = [], 0.0
    for i in range(200):  # ~10 minutes of 2.5 s phrases with uneven pauses
        spans.append((at, at + 2.5))
        at += 2.5 + (0.15, 0.4, 0.9)[i % 3]
    windows = BundledSilero.merge_chunks(regions(*spans), 30.0)
    assert [s for w in windows for s in w["segments"]] == spans
    assert all(w["end"] - w["start"] <= 30.0 for w in windows)
    assert all(a["end"] <= b["start"] for a, b in pairwise(windows))
    assert len(windows) <= 1.3 * (at / 30.0) + 1  # packed, not one window per phrase


def test_padding_shrinks_before_speech_is_cut():
    # 29.9 s without a pause: the window keeps all of it and gives up most of its padding.
    _, middle, _ = BundledSilero.merge_chunks(regions((0.0, 5.0), (10.0, 39.9), (45.0, 50.0)), 30.0)
    assert middle["segments"] == [(10.0, 39.9)]
    assert middle["start"] <= 10.0 and middle["end"] >= 39.9
    assert middle["end"] - middle["start"] <= 30.0 + 1e-9


def test_overlapping_regions_do_not_break_packing():
    speech = regions((0.0, 10.0), (9.5, 20.0), (19.0, 28.0), (27.5, 40.0))
    windows = BundledSilero.merge_chunks(speech, 30.0)
    assert [s for w in windows for s in w["segments"]] == [(s.start, s.end) for s in speech]


def test_broken_silero_install_names_the_setting(monkeypatch):
    from konspekt.errors import ModelUnavailableError
    from lecture_assets.asr import transcribe, vad

    def broken():
        raise RuntimeError("onnxruntime: cannot load library")

    monkeypatch.setattr(vad, "get_vad_model", broken)
    with pytest.raises(ModelUnavailableError, match="KONSPEKT_VAD=pyannote"):
        transcribe._silero()
