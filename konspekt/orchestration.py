"""The Dagster conventions both code locations share: failures, retries, pools, automation."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from konspekt.errors import KonspektError

# Concurrency pool for work that saturates the CPU (transcript, trained_model); its limit is
# set in dagster.yaml, so one heavy step runs at a time on a small machine.
HEAVY_POOL = "heavy"

# Transient trouble (a network share hiccup, a busy disk) gets two more tries; the errors we
# understand (bad input, missing model) are raised with allow_retries=False in readable_failure.
RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def follow_upstream() -> dg.AutomationCondition:
    """Re-materialize after an upstream change, never past a failed blocking check."""
    return dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()


@contextmanager
def readable_failure() -> Iterator[None]:
    """Show a KonspektError as one sentence in the UI instead of a stack trace."""
    try:
        yield
    except KonspektError as exc:
        # A bad file, a missing model or a tampered checkpoint fails the same way every time.
        raise dg.Failure(
            description=str(exc), metadata={"error": str(exc)}, allow_retries=False
        ) from None
