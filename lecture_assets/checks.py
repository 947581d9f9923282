"""Blocking checks on the transcript: summary and pdf wait until both pass."""

import dagster as dg

from lecture_assets.asr.quality import degenerate_reason
from lecture_assets.records import Transcript

NO_SPEECH = "No speech detected in the recording."

transcript_check_specs = [
    dg.AssetCheckSpec(
        "has_speech",
        asset="transcript",
        blocking=True,
        description="The transcript contains recognised words.",
    ),
    dg.AssetCheckSpec(
        "not_degenerate",
        asset="transcript",
        blocking=True,
        description="The transcript is not a Whisper hallucination (stock phrases, loops).",
    ),
]


def transcript_checks(transcript: Transcript) -> list[dg.AssetCheckResult]:
    words = transcript.word_count
    reason = degenerate_reason(transcript)
    return [
        dg.AssetCheckResult(
            check_name="has_speech",
            asset_key="transcript",
            passed=words > 0,
            description=None if words else NO_SPEECH,
            metadata={"words": words, "segments": len(transcript.segments)},
        ),
        dg.AssetCheckResult(
            check_name="not_degenerate",
            asset_key="transcript",
            passed=reason is None,
            description=reason,
        ),
    ]
