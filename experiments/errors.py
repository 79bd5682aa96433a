"""Errors that the command line reports as one line, without a traceback."""


class ExperimentError(Exception):
    """A run cannot go on: bad argument, missing data, unusable run folder."""


class ConfigError(ExperimentError, ValueError):
    """An experiment's YAML file is malformed or an override does not apply."""
