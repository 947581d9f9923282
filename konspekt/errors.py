"""Errors whose message is one readable sentence, fit for the UI and the command line."""


class KonspektError(Exception):
    """A failure the user can act on; ``str(error)`` is the whole explanation."""


class ModelUnavailableError(KonspektError):
    """A configured model cannot be loaded (typically: not cached and no network)."""


class SettingsError(KonspektError):
    """A KONSPEKT_* variable holds a value the platform cannot use."""
