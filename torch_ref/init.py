"""A twin's initial parameters drawn by torch, from the twin's own description.

A twin built with ``torch_ref.ShallowNetwork(...)`` or ``from_scratch`` starts
from the NumPy model's parameters, so the two always agree on where training
starts. :func:`draw_initial_parameters` instead draws them again with torch's
generator, from what ``twin.config`` says (``init``, ``seed``, ``scale``) and
the layer sizes, without looking at the NumPy initialiser::

    twin = torch_ref.DeepNetwork([500, 400, 1], init="he")
    torch_ref.draw_initial_parameters(twin)        # W[l] ~ N(0, 2 / n_{l-1}), b[l] = 0

The draws differ from NumPy's (another generator), but follow the same
distribution; the parity suite compares the two, so the NumPy initialiser is
not its own only oracle.

Schemes, as :mod:`scratch.initializers` documents them:

=========  ===============================================================
``zeros``  W[l] = 0
``normal`` W[l] ~ N(0, scale^2), scale 0.01 unless given
``lecun``  W[l] ~ N(0, 1 / n_{l-1}): ``torch.nn.init``'s gain for "linear"
``he``     W[l] ~ N(0, 2 / n_{l-1}): ``torch.nn.init``'s gain for "relu"
``course`` as ``normal``, or ``lecun`` / ``he`` when ``scale`` names one
=========  ===============================================================

Biases are always zero.
"""

import math

import torch
from torch import nn


def _weight_std(init, scale, n_prev):
    """The standard deviation of W[l]'s entries for a layer with n_{l-1} = ``n_prev`` inputs."""
    if init == "zeros":
        return 0.0
    if init in ("lecun", "he"):
        scale = init
    elif scale is None:
        scale = 0.01
    if scale == "lecun":
        return nn.init.calculate_gain("linear") / math.sqrt(n_prev)
    if scale == "he":
        return nn.init.calculate_gain("relu") / math.sqrt(n_prev)
    return float(scale)


@torch.no_grad()
def draw_initial_parameters(twin, seed=None):
    """Replace a twin's parameters by fresh draws from torch's generator.

    Parameters
    ----------
    twin : torch_ref.Network
        Any twin; its ``config`` (``init``, ``seed``, ``scale``) and
        ``layer_dims`` [n_x, n_1, ..., n_L] describe what to draw.
    seed : int, optional
        Seed of the ``torch.Generator`` (default: ``twin.config["seed"]``;
        when that is None too, torch picks one).

    Returns
    -------
    twin
        The same twin: W[l] of shape (n_l, n_{l-1}) (``w`` of shape (n_x, 1)
        for logistic regression) drawn in float64 on the CPU, then cast to the
        twin's dtype and device; b[l] of shape (n_l, 1) zero.
    """
    config = twin.config
    init, scale = config.get("init"), config.get("scale")
    known = ("zeros", "normal", "lecun", "he", "course")
    if init not in known:
        raise ValueError(f"twin.config['init'] is {init!r}; expected one of: {', '.join(known)}")
    seed = config.get("seed") if seed is None else seed
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    params = list(twin.named_parameters())
    dims = list(twin.layer_dims)
    for l, ((_, W), (_, b)) in enumerate(zip(params[::2], params[1::2]), start=1):
        n_l, n_prev = dims[l], dims[l - 1]
        draw = torch.randn((n_l, n_prev), generator=generator, dtype=torch.float64)
        std = _weight_std(init, scale, n_prev)
        draw = draw * std if std > 0 else torch.zeros_like(draw)
        # Logistic regression stores w as a column, (n_x, 1): the layer's W transposed.
        W.copy_(draw if tuple(W.shape) == (n_l, n_prev) else draw.T)
        b.zero_()
    return twin
