"""Exceptions raised by the NumPy models, shared with the PyTorch twins.

Every error the project raises for bad input is a subclass of the matching
built-in exception (``ValueError``, ``FileNotFoundError``), so callers that
already catch those keep working.
"""


class ShapeError(ValueError):
    """An array does not have the shape the course's notation requires."""


class DataError(ValueError):
    """Input values are unusable: NaN or inf, labels outside {0, 1}, empty data."""


class DatasetNotFoundError(FileNotFoundError):
    """A data file was not found in any of the places looked in."""


class DatasetFormatError(ValueError):
    """A data file exists but does not have the expected layout."""


class TrainingDivergedError(FloatingPointError):
    """The cost became NaN or inf during training.

    Attributes
    ----------
    iteration : int
        The (0-based) iteration at which the cost stopped being finite.
    costs : list of float
        The finite costs of every iteration before that one.
    """

    def __init__(self, message, iteration, costs):
        super().__init__(message)
        self.iteration = iteration
        self.costs = costs
