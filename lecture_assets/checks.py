"""Checks on lecture artifacts; the speech check blocks summary and pdf when it fails."""

import dagster as dg

from lecture_assets.transcribe import Transcript

has_speech_spec = dg.AssetCheckSpec(
    "has_speech",
    asset="transcript",
    blocking=True,
    description="The transcript contains recognised words; summary and pdf wait for it.",
)


def has_speech(transcript: Transcript) -> dg.AssetCheckResult:
    words = transcript.word_count
    return dg.AssetCheckResult(
        check_name="has_speech",
        asset_key="transcript",
        passed=words > 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if words else "No speech detected in the recording.",
        metadata={"words": words, "segments": len(transcript.segments)},
    )
