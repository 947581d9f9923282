"""Voice activity detection for whisperX with the Silero model that faster-whisper ships.

whisperX's default VAD (pyannote segmentation in torch) took 33.7 s of a 67 s transcription of a
20-minute lecture on 2 CPU cores; Silero in ONNX Runtime finds the speech in the same file in
3.0 s. whisperX's own Silero option fetches its model from the torch hub, which an offline
machine cannot reach, so this adapter runs faster-whisper's bundled ONNX copy behind whisperX's
``Vad`` interface. Imported only inside ``load_whisper``: it pulls in whisperX.
"""

from typing import Any

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model
from whisperx.diarize import Segment as SegmentX
from whisperx.vads.vad import Vad

# Audio kept on each side of a window, at most half the pause there: Whisper clips words
# that touch the edge of its input.
PAD = 0.2
# A pause at least this fraction of the window's longest counts as a sentence end.
LONG_ENOUGH = 0.6


class BundledSilero(Vad):
    """Speech regions for whisperX's batches, packed into windows that end at long pauses."""

    def __init__(self, vad_onset: float = 0.5, chunk_size: float = 30.0, **_: Any) -> None:
        super().__init__(vad_onset)
        # Unpadded regions split at any 160 ms pause (faster-whisper's batched settings), so
        # merge_chunks sees every pause and can choose where a 30-second window ends; no region
        # is so long that its padding would not fit in a window.
        self.options = VadOptions(
            threshold=vad_onset,
            max_speech_duration_s=chunk_size - 2 * PAD,
            min_silence_duration_ms=160,
            speech_pad_ms=0,
        )
        get_vad_model()  # load the ONNX session now, so a broken install fails at model load

    def __call__(self, audio: dict[str, Any], **_: Any) -> list[SegmentX]:
        rate = audio["sample_rate"]
        waveform = np.asarray(audio["waveform"], dtype=np.float32).reshape(-1)
        return [
            SegmentX(span["start"] / rate, span["end"] / rate, "UNKNOWN")
            for span in get_speech_timestamps(waveform, self.options, sampling_rate=rate)
        ]

    @staticmethod
    def preprocess_audio(audio: np.ndarray) -> np.ndarray:
        return audio

    @staticmethod
    def merge_chunks(
        segments: list[SegmentX], chunk_size: float, onset: float = 0.5, offset: float | None = None
    ) -> list[dict[str, Any]]:
        """Windows of at most ``chunk_size`` s, each cut at a long pause in its second half.

        whisperX's own merge closes a window at the last region that still fits, which on fluent
        speech is often mid-sentence: Whisper then drops or garbles the words at the cut.
        Cutting at the latest of the longest pauses keeps sentences whole and windows full.
        Returns [] for silence.
        """
        return [
            _window(group, before, after, chunk_size)
            for group, before, after in _groups(segments, chunk_size)
        ]


def _groups(segments: list[SegmentX], chunk_size: float):
    """Yield (regions, pause before, pause after) for each window."""
    regions = sorted(segments, key=lambda s: s.start)
    i, before = 0, PAD * 2
    while i < len(regions):
        start = regions[i].start
        last = i
        while last + 1 < len(regions) and regions[last + 1].end - start <= chunk_size - PAD * 2:
            last += 1
        end = last
        if last + 1 < len(regions):  # more follows: end the window at a long, late pause
            gaps = {
                j: max(regions[j + 1].start - regions[j].end, 0.0)
                for j in range(i, last + 1)
                if regions[j].end - start >= chunk_size / 2
            }
            if gaps:
                # The latest pause nearly as long as the longest: Whisper pads every window to
                # 30 s, so a half-empty window costs a full one.
                longest = max(gaps.values())
                end = max(j for j, gap in gaps.items() if gap >= LONG_ENOUGH * longest)
        after = regions[end + 1].start - regions[end].end if end + 1 < len(regions) else PAD * 2
        yield regions[i : end + 1], before, after
        i, before = end + 1, after


def _window(group: list[SegmentX], before: float, after: float, chunk_size: float) -> dict:
    """One whisperX window: the regions plus up to PAD of the pauses around them.

    The padding shrinks rather than the speech when a window would exceed ``chunk_size``.
    """
    head = min(PAD, max(before, 0.0) / 2)
    tail = min(PAD, max(after, 0.0) / 2)
    room = max(chunk_size - (group[-1].end - group[0].start), 0.0)
    if head + tail > room:
        head, tail = room * head / (head + tail), room * tail / (head + tail)
    start = max(0.0, group[0].start - head)
    end = min(group[-1].end + tail, start + chunk_size)
    return {"start": start, "end": end, "segments": [(s.start, s.end) for s in group]}
