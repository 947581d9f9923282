"""The shared core of both code locations: errors, atomic files, the stable-file watcher,
settings, the local instance and the Dagster helpers. It imports neither code location."""
