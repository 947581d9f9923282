"""The Dagster conventions both code locations share: failures, retries, pools, automation."""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

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


F = TypeVar("F", bound=Callable)


def fixed(resources: dict[str, dg.ConfigurableResource]) -> dict:
    """The code location's resources as the operator set them, with no run config: the UI has no
    login, so a visitor must not point a run at another data dir or at any file as a "model"
    through the launchpad. KONSPEKT_RUN_CONFIG_RESOURCES=1 gives the launchpad the fields back."""
    import os

    from konspekt.settings import RUN_CONFIG_VARIABLE

    if os.environ.get(RUN_CONFIG_VARIABLE, "").strip() == "1":
        return resources

    def fixed_value(value):
        # An empty schema: a run config that sets any field is refused, not silently ignored.
        return dg.ResourceDefinition(
            resource_fn=lambda _: value,
            config_schema={},
            description=f"{type(value).__name__}, from the KONSPEKT_* settings (not run config)",
        )

    return {name: fixed_value(value) for name, value in resources.items()}


def readable(body: F) -> F:
    """An asset body whose KonspektErrors (bad input, a missing model, a full data folder) fail
    its step with one sentence, wherever in the body they are raised. Put it under @dg.asset;
    functools.wraps keeps the signature Dagster reads the context and resources from."""

    @functools.wraps(body)
    def guarded(*args, **kwargs):
        with readable_failure():
            return body(*args, **kwargs)

    return guarded  # type: ignore[return-value]


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
