"""Checks on every new model; both block training_log, so a bad model is never reported as done."""

import dagster as dg

val_accuracy_spec = dg.AssetCheckSpec(
    "val_accuracy_above_threshold",
    asset="trained_model",
    blocking=True,
    description="Validation accuracy reaches the configured minimum (0.97 by default).",
)
finite_weights_spec = dg.AssetCheckSpec(
    "finite_weights",
    asset="trained_model",
    blocking=True,
    description="No weight is NaN or infinite.",
)


def val_accuracy(meta: dict, threshold: float) -> dg.AssetCheckResult:
    accuracy = meta["metrics"]["val_accuracy"]
    passed = accuracy >= threshold
    return dg.AssetCheckResult(
        check_name=val_accuracy_spec.name,
        asset_key="trained_model",
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if passed else f"val_accuracy {accuracy:.4f} < {threshold}",
        metadata={"val_accuracy": accuracy, "threshold": threshold, "version": meta["version"]},
    )


def finite_weights(state: dict) -> dg.AssetCheckResult:
    """``state``: a model's state dict (name -> tensor)."""
    bad = [name for name, tensor in state.items() if not bool(tensor.isfinite().all())]
    return dg.AssetCheckResult(
        check_name=finite_weights_spec.name,
        asset_key="trained_model",
        passed=not bad,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"non-finite values in {', '.join(bad)}" if bad else None,
        metadata={"tensors": len(state), "non_finite": len(bad)},
    )
