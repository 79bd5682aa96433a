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
``logits``, ``cost``, ``cost_and_gradients``, ``predict``, ``accuracy``).
Training loops that check their batch once call ``check_inputs`` and then
``forward_and_cost``, which skips the checks (:class:`torch_ref.CourseModule`
does).

A twin's constructor signature is its NumPy namesake's, plus ``device`` (and
``dtype`` may be a torch dtype): it is derived from the NumPy class when the
twin class is defined, so ``help()``, ``inspect.signature`` and LightningCLI
show the arguments without the twin writing them again.
"""

import functools
import inspect
from typing import Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from scratch import models as scratch_models
from scratch.validation import check_param_values, check_params, check_X, check_Y

# What ``dtype=`` accepts: what the NumPy models accept ("float64"/"float32", a NumPy
# dtype), or a torch dtype.
DTypeLike = Union[scratch_models.DTypeLike, torch.dtype]

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


def twin_signature(numpy_class):
    """The constructor signature of ``numpy_class``'s twin: the same arguments, plus ``device``.

    ``dtype`` keeps its default and also accepts a torch dtype.
    """
    parameters = [
        parameter.replace(annotation=DTypeLike) if parameter.name == "dtype" else parameter
        for parameter in inspect.signature(numpy_class).parameters.values()
    ]
    parameters.append(inspect.Parameter("device", inspect.Parameter.KEYWORD_ONLY, default=None))
    return inspect.Signature(parameters)


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

    A subclass names its NumPy class in ``numpy_class`` and nothing else: it is
    given an ``__init__`` whose signature is :func:`twin_signature` of it.
    """

    numpy_class = scratch_models.Network

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            return

        def __init__(self, *args, **kwargs):
            Network.__init__(self, *args, **kwargs)

        self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        signature = twin_signature(cls.numpy_class)
        __init__.__signature__ = signature.replace(
            parameters=[self_parameter, *signature.parameters.values()]
        )
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        __init__.__module__ = cls.__module__
        __init__.__doc__ = (
            f"Build the twin of ``{cls.numpy_class.__qualname__}(*args, **kwargs)`` "
            "on ``device``; see the NumPy class for the arguments."
        )
        cls.__init__ = __init__

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

    def check_inputs(self, X, Y):
        """X and Y after the checks every public method runs, for :meth:`forward_and_cost`.

        Parameters
        ----------
        X : tensor or array_like, shape (n_x, m)
        Y : tensor or array_like, shape (n_y, m)
            0 or 1 for a classifier.

        Returns
        -------
        X : torch.Tensor, shape (n_x, m)
        Y : torch.Tensor, shape (n_y, m)
            On the twin's device, in its dtype (checked as
            :meth:`scratch.models.Network.check_inputs` checks, with its messages).
        """
        X = self._check_X(X)
        Y = self._validated(check_Y, Y, X.shape[1], self.n_y,
                            binary=self.task == "classification")
        return X, Y

    # -- forward, cost, gradients -----------------------------------------------------------
    def _forward(self, X):
        """A[L] and Z[L], both (n_y, m), for a checked X (n_x, m)."""
        A = X
        for (W, b), g in zip(self._layers(), self._activations):
            Z = W @ A + b
            A = g(Z)
        return A, Z

    def forward_and_cost(self, X, Y, reduction="mean"):
        """A[L] and the cost of one iteration, without input checks.

        For training loops that check their batch once with
        :meth:`check_inputs` and then iterate: X and Y must be what it returned.
        Anyone else calls :meth:`cost`.

        Parameters
        ----------
        X : torch.Tensor, shape (n_x, m)
        Y : torch.Tensor, shape (n_y, m)
        reduction : {"mean", "sum"}
            "mean" gives the cost J (the loss summed over the outputs, averaged
            over the m examples); "sum" gives m * J, which data-parallel
            training sums over the processes' shards before dividing by the
            total m (:mod:`torch_ref.distributed`).

        Returns
        -------
        AL : torch.Tensor, shape (n_y, m)
        cost : torch.Tensor, 0-d, attached to the graph
        """
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        AL, ZL = self._forward(X)
        if self.output_activation == "sigmoid":
            # On the logits, so saturated outputs keep a finite, exact cost (as in scratch).
            summed = F.binary_cross_entropy_with_logits(ZL, Y, reduction="sum")
        else:
            summed = ((AL - Y) ** 2).sum()
        return AL, summed if reduction == "sum" else summed / Y.shape[1]

    def forward(self, X):
        """A[L], shape (n_y, m), for X of shape (n_x, m) (tensor or NumPy array)."""
        return self._forward(self._check_X(X))[0]

    def logits(self, X):
        """Z[L], shape (n_y, m): the output layer's pre-activation."""
        return self._forward(self._check_X(X))[1]

    def cost(self, X, Y):
        """The cost J on X (n_x, m) and Y (n_y, m), as a 0-d tensor attached to the graph."""
        return self.forward_and_cost(*self.check_inputs(X, Y))[1]

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
        X, Y = self.check_inputs(X, Y)
        return float(((self._forward(X)[0] > 0.5) == Y).to(self.dtype).mean())

    # -- parameters -------------------------------------------------------------------------
    @torch.no_grad()
    def load_params(self, params):
        """Copy ``params`` (arrays or tensors, keyed by course name) into the parameters.

        Names, shapes and finite values are checked first, with the same errors
        and wording as :meth:`scratch.models.Network.load_params`; nothing is
        copied when one fails. Values of another dtype are converted by the same
        rule: float32 into a float64 twin exactly, float64 into a float32 twin
        rounded to the nearest float32, a value beyond the twin's range refused.
        """
        check_params(type(self).__name__, self.param_shapes(), params)
        np_dtype = numpy_dtype(self.dtype)
        for name in self.param_shapes():
            value = params[name]
            if not isinstance(value, torch.Tensor):
                check_param_values(name, value, np_dtype)
            elif not bool(torch.isfinite(value).all()) or value.dtype != self.dtype:
                check_param_values(name, value.detach().cpu().numpy(), np_dtype)
        for name, value in self.named_parameters():
            value.copy_(torch.as_tensor(params[name]))


class LogisticRegression(Network):
    """Twin of :class:`scratch.models.LogisticRegression`: y_hat = sigmoid(w^T x + b).

    Parameters ``w`` (n_x, 1) and ``b`` (1, 1).
    """

    numpy_class = scratch_models.LogisticRegression

    def _layers(self):
        # The course stores w as a column; the layer uses W = w^T, of shape (1, n_x).
        return [(self.w.T, self.b)]


class ShallowNetwork(Network):
    """Twin of :class:`scratch.models.ShallowNetwork`: [LINEAR -> g] -> LINEAR -> SIGMOID.

    Parameters W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
    """

    numpy_class = scratch_models.ShallowNetwork


class DeepNetwork(Network):
    """Twin of :class:`scratch.models.DeepNetwork`: [LINEAR -> g] x (L-1) -> LINEAR -> SIGMOID."""

    numpy_class = scratch_models.DeepNetwork


class RegressionNetwork(Network):
    """Twin of :class:`scratch.models.RegressionNetwork`: identity or ReLU output, MSE cost."""

    numpy_class = scratch_models.RegressionNetwork


TWINS = {
    "LogisticRegression": LogisticRegression,
    "ShallowNetwork": ShallowNetwork,
    "DeepNetwork": DeepNetwork,
    "RegressionNetwork": RegressionNetwork,
}
