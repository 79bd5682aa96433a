"""PyTorch twins of the NumPy models in :mod:`scratch.models`.

Each twin takes the same constructor arguments as its NumPy namesake (plus
``device``), starts from the same parameters for the same seed, names its
parameters as the course does and takes inputs in course layout::

    twin = ShallowNetwork(2, 4)         # same arguments as scratch.ShallowNetwork
    twin.W1                              # nn.Parameter, shape (n_h, n_x)
    AL = twin(X)                         # X (n_x, m) -> A[L] (n_y, m)
    ZL = twin.logits(X)                  # Z[L] (n_y, m)
    J = twin.cost(X, Y)                  # 0-d tensor; J.backward() fills W1.grad, ...
    cost, grads = twin.cost_and_gradients(X, Y)   # grads["dW1"], ... like scratch
    twin.predict(X)                      # 0/1 int64 (n_y, m), or A[L] for regression

X and Y may be tensors or NumPy arrays (moved to the twin's device); results
are tensors.

Gradients come from autograd only; no derivative is written by hand here, so
the twin is an independent oracle for the NumPy backward pass.

Bad input is rejected with the NumPy side's own errors and messages: the
checks of :mod:`scratch.validation` run on every public call (``forward``,
``logits``, ``cost``, ``cost_and_gradients``, ``predict``, ``accuracy``). The
``_forward`` and ``_cost`` methods skip them, for training loops that have
checked their batch once.
"""

import functools
from typing import Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from scratch import models as scratch_models
from scratch.activations import DEFAULT_NEGATIVE_SLOPE
from scratch.validation import check_params, check_X, check_Y

# What ``dtype=`` accepts: "float64"/"float32", a NumPy dtype or a torch dtype.
DTypeLike = Union[str, np.dtype, type, torch.dtype]
Scale = Union[float, str, None]

_TORCH_TO_NUMPY = {torch.float64: np.dtype(np.float64), torch.float32: np.dtype(np.float32)}
_NUMPY_TO_TORCH = {value: key for key, value in _TORCH_TO_NUMPY.items()}


def numpy_dtype(dtype):
    """The NumPy dtype for ``dtype`` given as a string, a NumPy dtype or a torch dtype."""
    if isinstance(dtype, torch.dtype):
        if dtype not in _TORCH_TO_NUMPY:
            raise TypeError(f"dtype must be float64 or float32, got {dtype}")
        return _TORCH_TO_NUMPY[dtype]
    return np.dtype(dtype)


def torch_dtype(dtype):
    """The torch dtype for ``dtype`` given as a string, a NumPy dtype or a torch dtype."""
    dtype = numpy_dtype(dtype)
    if dtype not in _NUMPY_TO_TORCH:
        raise TypeError(f"dtype must be float64 or float32, got {dtype}")
    return _NUMPY_TO_TORCH[dtype]


def _identity(Z):
    return Z


def _activation(name, negative_slope):
    """g(Z) for the activation called ``name``, as a torch function of Z (n_l, m)."""
    if name == "leaky_relu":
        # A partial, not a lambda, keeps the twin picklable (torch.save, deepcopy).
        return functools.partial(F.leaky_relu, negative_slope=negative_slope)
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
            "identity": _identity}[name]


def _values_ok(T, binary):
    """One device reduction: True when T is finite (and holds only 0/1 when ``binary``)."""
    ok = torch.isfinite(T).all()
    if binary:
        ok &= ((T == 0) | (T == 1)).all()
    return bool(ok)


class Network(scratch_models.LayerSizes, nn.Module):
    """Twin of :class:`scratch.models.Network`: L layers of LINEAR -> g[l].

    A twin is described by the NumPy model it mirrors: the constructor builds
    ``numpy_class(*args, **kwargs)`` and takes from it the layer sizes, the
    activations, the parameter names, the initial values and ``config``, so
    the two cannot disagree about any of them. Only the engine differs.

    Parameters
    ----------
    *args, **kwargs
        The constructor arguments of ``numpy_class``; ``dtype`` may also be a
        torch dtype.
    device : str or torch.device, optional
        Where the parameters live (default: torch's default device).
    """

    numpy_class = scratch_models.Network

    def __init__(self, *args, dtype="float64", device=None, **kwargs):
        super().__init__()
        description = self.numpy_class(*args, dtype=numpy_dtype(dtype), **kwargs)
        self.config = dict(getattr(description, "config", {}))
        self.task = description.task
        self.layer_dims = list(description.layer_dims)
        self.hidden_activation = description.hidden_activation
        self.output_activation = description.output_activation
        self.negative_slope = description.negative_slope
        names = list(description.params)
        # (weight name, bias name) of each layer, in the NumPy model's order.
        self._names = list(zip(names[::2], names[1::2]))
        self._activations = [_activation(self.hidden_activation, self.negative_slope)] * (
            self.L - 1
        ) + [_activation(self.output_activation, self.negative_slope)]
        for name, value in description.params.items():
            self.register_parameter(
                name,
                nn.Parameter(torch.tensor(value, dtype=torch_dtype(dtype), device=device)),
            )

    # -- description ------------------------------------------------------------------------
    @property
    def dtype(self):
        """torch dtype of the parameters (it follows ``.to()``, ``.double()``, ...)."""
        return next(self.parameters()).dtype

    @property
    def device(self):
        """torch device of the parameters."""
        return next(self.parameters()).device

    def param_shapes(self):
        """Shape of each parameter, keyed by its course name, as tuples like NumPy's."""
        return {name: tuple(value.shape) for name, value in self.named_parameters()}

    def extra_repr(self):
        return ", ".join(f"{key}={value!r}" for key, value in self.config.items())

    def _layers(self):
        """(W[l], b[l]) for l = 1..L, W of shape (n_l, n_{l-1})."""
        return [(getattr(self, w), getattr(self, b)) for w, b in self._names]

    # -- input checks -----------------------------------------------------------------------
    def _validated(self, check, value, *args, binary=None):
        """Run a :mod:`scratch.validation` check on an array or a tensor.

        The NumPy check itself decides, so the messages are the NumPy side's
        word for word. A CPU tensor is checked through a zero-copy NumPy view;
        a tensor elsewhere is checked on its metadata through a zero-memory
        stand-in of the same shape and dtype, then on its values by one device
        reduction, and is copied to the host only to word an error.

        Returns
        -------
        torch.Tensor
            ``value`` on the model's device, in the model's dtype.
        """
        extra = {} if binary is None else {"binary": binary}
        np_dtype = numpy_dtype(self.dtype)
        if not isinstance(value, torch.Tensor):
            checked = check(value, *args, np_dtype, **extra)
            return torch.as_tensor(checked, device=self.device)
        if value.device.type == "cpu":
            check(value.detach().numpy(), *args, np_dtype, **extra)
        else:
            host_dtype = torch.empty((), dtype=value.dtype).numpy().dtype
            stand_in = np.broadcast_to(np.zeros((), host_dtype), tuple(value.shape))
            check(stand_in, *args, np_dtype, **extra)
            if not _values_ok(value, bool(binary)):
                check(value.detach().cpu().numpy(), *args, np_dtype, **extra)
        return value.to(device=self.device, dtype=self.dtype)

    def _check_X(self, X):
        return self._validated(check_X, X, self.n_x)

    def _check_Y(self, Y, m):
        return self._validated(
            check_Y, Y, m, self.n_y, binary=self.task == "classification"
        )

    # -- forward, cost, gradients -----------------------------------------------------------
    def _forward(self, X):
        """A[L] and Z[L], both (n_y, m), for a checked X (n_x, m)."""
        A = X
        for (W, b), g in zip(self._layers(), self._activations):
            Z = W @ A + b
            A = g(Z)
        return A, Z

    def _summed_cost(self, AL, ZL, Y):
        """m * J: the loss summed over outputs and examples, from A[L], Z[L], Y, all (n_y, m).

        Data-parallel training sums this over the processes' shards before dividing by
        the total m (:mod:`torch_ref.distributed`).
        """
        if self.output_activation == "sigmoid":
            # On the logits, so saturated outputs keep a finite, exact cost (as in scratch).
            return F.binary_cross_entropy_with_logits(ZL, Y, reduction="sum")
        return ((AL - Y) ** 2).sum()

    def _cost(self, AL, ZL, Y):
        """J from A[L], Z[L] and checked Y, all (n_y, m): summed over outputs, mean over m."""
        return self._summed_cost(AL, ZL, Y) / Y.shape[1]

    def forward(self, X):
        """A[L], shape (n_y, m), for X of shape (n_x, m) (tensor or NumPy array)."""
        return self._forward(self._check_X(X))[0]

    def logits(self, X):
        """Z[L], shape (n_y, m): the output layer's pre-activation."""
        return self._forward(self._check_X(X))[1]

    def cost(self, X, Y):
        """The cost J on X (n_x, m) and Y (n_y, m), as a 0-d tensor attached to the graph."""
        X = self._check_X(X)
        Y = self._check_Y(Y, X.shape[1])
        AL, ZL = self._forward(X)
        return self._cost(AL, ZL, Y)

    def cost_and_gradients(self, X, Y):
        """The cost and autograd's gradients, keyed like ``scratch``'s ``cost_and_gradients``.

        Leaves ``.grad`` of the parameters untouched.

        Returns
        -------
        cost : torch.Tensor, 0-d, detached
        grads : dict of torch.Tensor
            ``"d" + name`` for every parameter, with the parameter's shape.
        """
        cost = self.cost(X, Y)
        names, params = zip(*self.named_parameters())
        grads = torch.autograd.grad(cost, params)
        return cost.detach(), {"d" + name: grad for name, grad in zip(names, grads)}

    @torch.no_grad()
    def predict(self, X):
        """Class 0/1 (int64, shape (n_y, m)) where A[L] > 0.5; values A[L] for regression."""
        AL = self.forward(X)
        if self.task == "regression":
            return AL
        return (AL > 0.5).to(torch.int64)

    @torch.no_grad()
    def accuracy(self, X, Y):
        """Fraction of the m examples predicted correctly, in [0, 1], as a Python float."""
        if self.task != "classification":
            raise TypeError(f"{type(self).__name__} is a regression model: accuracy is undefined")
        X = self._check_X(X)
        Y = self._check_Y(Y, X.shape[1])
        return float(((self._forward(X)[0] > 0.5) == Y).to(self.dtype).mean())

    # -- parameters -------------------------------------------------------------------------
    @torch.no_grad()
    def load_params(self, params):
        """Copy ``params`` (arrays or tensors, keyed by course name) into the parameters.

        Names and shapes are checked first, with the same errors and wording as
        :meth:`scratch.models.Network.load_params`.
        """
        check_params(type(self).__name__, self.param_shapes(), params)
        for name, value in self.named_parameters():
            value.copy_(torch.as_tensor(params[name]))


class LogisticRegression(Network):
    """Twin of :class:`scratch.models.LogisticRegression`: y_hat = sigmoid(w^T x + b).

    Parameters ``w`` (n_x, 1) and ``b`` (1, 1).
    """

    numpy_class = scratch_models.LogisticRegression

    def __init__(
        self,
        n_x: int,
        *,
        init: str = "zeros",
        seed: Optional[int] = 1,
        scale: Scale = None,
        dtype: DTypeLike = "float64",
        device=None,
    ):
        super().__init__(n_x, init=init, seed=seed, scale=scale, dtype=dtype, device=device)

    def _layers(self):
        # The course stores w as a column; the layer uses W = w^T, of shape (1, n_x).
        return [(self.w.T, self.b)]


class ShallowNetwork(Network):
    """Twin of :class:`scratch.models.ShallowNetwork`: [LINEAR -> g] -> LINEAR -> SIGMOID.

    Parameters W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
    """

    numpy_class = scratch_models.ShallowNetwork

    def __init__(
        self,
        n_x: int,
        n_h: int,
        n_y: int = 1,
        hidden_activation: str = "tanh",
        *,
        init: str = "normal",
        seed: Optional[int] = 1,
        scale: Scale = None,
        negative_slope: float = DEFAULT_NEGATIVE_SLOPE,
        dtype: DTypeLike = "float64",
        device=None,
    ):
        super().__init__(
            n_x, n_h, n_y, hidden_activation, init=init, seed=seed, scale=scale,
            negative_slope=negative_slope, dtype=dtype, device=device,
        )


class DeepNetwork(Network):
    """Twin of :class:`scratch.models.DeepNetwork`: [LINEAR -> g] x (L-1) -> LINEAR -> SIGMOID."""

    numpy_class = scratch_models.DeepNetwork

    def __init__(
        self,
        layer_dims: list[int],
        hidden_activation: str = "relu",
        *,
        init: str = "he",
        seed: Optional[int] = 1,
        scale: Scale = None,
        negative_slope: float = DEFAULT_NEGATIVE_SLOPE,
        dtype: DTypeLike = "float64",
        device=None,
    ):
        super().__init__(
            layer_dims, hidden_activation, init=init, seed=seed, scale=scale,
            negative_slope=negative_slope, dtype=dtype, device=device,
        )


class RegressionNetwork(Network):
    """Twin of :class:`scratch.models.RegressionNetwork`: identity or ReLU output, MSE cost."""

    numpy_class = scratch_models.RegressionNetwork

    def __init__(
        self,
        layer_dims: list[int],
        hidden_activation: str = "relu",
        output_activation: str = "identity",
        *,
        init: str = "he",
        seed: Optional[int] = 1,
        scale: Scale = None,
        negative_slope: float = DEFAULT_NEGATIVE_SLOPE,
        dtype: DTypeLike = "float64",
        device=None,
    ):
        super().__init__(
            layer_dims, hidden_activation, output_activation, init=init, seed=seed,
            scale=scale, negative_slope=negative_slope, dtype=dtype, device=device,
        )


TWINS = {
    "LogisticRegression": LogisticRegression,
    "ShallowNetwork": ShallowNetwork,
    "DeepNetwork": DeepNetwork,
    "RegressionNetwork": RegressionNetwork,
}
