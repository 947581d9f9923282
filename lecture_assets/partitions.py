import dagster as dg

# One partition per dropped lecture file; keys are added by the inbox sensor or `konspekt process`.
lecture_partitions = dg.DynamicPartitionsDefinition(name="lectures")

# One partition per course (an inbox folder or `konspekt process --course`), added alongside
# the course's first lecture; keys are course slugs (lecture_assets.courses.catalog.course_key).
course_partitions = dg.DynamicPartitionsDefinition(name="courses")
