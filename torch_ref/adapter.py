"""Move a model between the NumPy and the PyTorch engine.

    twin = from_scratch(np_model)          # same class name, config and parameter values
    params = to_numpy_params(twin)         # {"W1": ndarray, "b1": ndarray, ...}
    load_numpy_params(twin, params)        # names and shapes checked first
"""

from scratch import models as scratch_models
from torch_ref.models import TWINS, Network


def _require_twin(function, twin):
    """Refuse anything but a twin, naming ``function`` and what it was given."""
    if isinstance(twin, Network):
        return
    kind = f"{type(twin).__module__}.{type(twin).__qualname__}"
    if isinstance(twin, scratch_models.Network):
        kind += " (a NumPy model: model.params holds its parameters, model.load_params sets them)"
    raise TypeError(f"{function} takes a PyTorch twin from torch_ref.models, got {kind}")


def from_scratch(np_model, dtype=None, device=None):
    """The PyTorch twin of a NumPy model, holding a copy of its current parameters.

    Parameters
    ----------
    np_model : scratch.models.LogisticRegression, ShallowNetwork, DeepNetwork or RegressionNetwork
    dtype : str, NumPy or torch dtype, optional
        The twin's dtype; by default the NumPy model's. A float32 twin of a
        float64 model holds the parameters rounded to float32.
    device : str or torch.device, optional

    Returns
    -------
    torch_ref.models.Network
        An instance of the twin class with the NumPy model's class name.

    Raises
    ------
    TypeError
        When ``np_model`` is not a NumPy model with a twin (a twin given here
        is one already: ``copy.deepcopy`` copies it).
    """
    if not isinstance(np_model, scratch_models.Network):
        kind = f"{type(np_model).__module__}.{type(np_model).__qualname__}"
        if isinstance(np_model, Network):
            kind += " (a PyTorch twin already: copy.deepcopy(twin) copies it)"
        raise TypeError(f"from_scratch takes a NumPy model from scratch.models, got {kind}")
    name = type(np_model).__name__
    if name not in TWINS:
        raise TypeError(f"no PyTorch twin for {name}; twins exist for: {', '.join(TWINS)}")
    config = dict(np_model.config)
    if dtype is not None:
        config["dtype"] = dtype
    twin = TWINS[name](**config, device=device)
    twin.load_params(np_model.params)
    return twin


def to_numpy_params(twin):
    """The twin's parameters as a dict of NumPy arrays (copies, on the host), by course name."""
    _require_twin("to_numpy_params", twin)
    return {name: value.detach().cpu().numpy().copy() for name, value in twin.named_parameters()}


def load_numpy_params(twin, params):
    """Copy NumPy arrays (or tensors) keyed by course name into the twin.

    Raises
    ------
    KeyError
        When a name is missing or unexpected; the message lists both.
    scratch.errors.ShapeError
        When a parameter has the wrong shape; the message names it.
    scratch.errors.DataError
        When a parameter holds NaN or inf; the message names it.
    TypeError
        When ``twin`` is not a twin from :mod:`torch_ref.models`.
    """
    _require_twin("load_numpy_params", twin)
    twin.load_params(params)
    return twin
