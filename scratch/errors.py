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
    """A data file was not found in any of the places looked in.

    Attributes
    ----------
    looked : list of str
        Each place looked in, as "FOLDER (where the name came from): why not there".
    """

    def __init__(self, message, looked=()):
        super().__init__(message)
        self.looked = list(looked)


class DatasetFormatError(ValueError):
    """A data file exists but does not have the expected layout."""


class TrainingDivergedError(FloatingPointError):
    """Gradient descent diverged: the cost became NaN or inf, or climbed and stayed high.

    The rule is :class:`scratch.training.DivergenceCheck`, shared by
    ``scratch.train`` and ``torch_ref.CourseModule``. The message speaks to
    whoever runs the training; the data are in the attributes.

    Attributes
    ----------
    iteration : int
        The (0-based) iteration at which training was judged diverged.
    costs : list of float
        The costs of this run's iterations before that one.
    cost : float
        The cost at ``iteration``.
    """

    def __init__(self, message, iteration, costs, cost=None):
        super().__init__(message)
        self.iteration = iteration
        self.costs = costs
        self.cost = cost
