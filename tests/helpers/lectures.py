"""Lectures registered and materialized in process, as the sensor and the CLI would."""

import dagster as dg

from lecture_assets import intake
from lecture_assets.partitions import lecture_partitions


def register(instance, storage, source) -> str:
    """Admit ``source`` by hand (fingerprint, key, source record) and add its partition."""
    digest = intake.fingerprint(source)
    key = intake.partition_key(source.name, digest)
    intake.register(storage.lecture(key), source, digest)
    instance.add_dynamic_partitions(lecture_partitions.name, [key])
    return key


def run(instance, resources, key: str, assets):
    """Materialize ``assets`` for one partition, in process; failures are returned, not raised."""
    return dg.materialize(
        assets, instance=instance, partition_key=key, resources=resources, raise_on_error=False
    )
