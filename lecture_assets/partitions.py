import dagster as dg

# One partition per dropped lecture file; keys are added by the inbox sensor or `konspekt process`.
lecture_partitions = dg.DynamicPartitionsDefinition(name="lectures")
