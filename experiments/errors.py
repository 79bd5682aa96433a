"""Errors that the command line reports as one line, without a traceback."""


class ExperimentError(Exception):
    """A run cannot go on: missing data, unusable run folder, a folder in use (exit status 1)."""


class UsageError(ExperimentError):
    """The command line asks for something impossible (exit status 2)."""


class ConfigError(ExperimentError, ValueError):
    """An experiment's YAML file is malformed or an override does not apply."""
