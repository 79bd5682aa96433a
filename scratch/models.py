"""The course's models, in NumPy, behind one interface.

Every model is a stack of L layers, LINEAR -> g[l], and differs from the
others only in its sizes, activations, cost and parameter names:

=========================  ==============================  ==================  =========
model                      layers                          output, cost        params
=========================  ==============================  ==================  =========
``LogisticRegression``     [n_x, 1]                        sigmoid, BCE        w, b
``ShallowNetwork``         [n_x, n_h, n_y]                 sigmoid, BCE        W1 .. b2
``DeepNetwork``            [n_x, n_1, ..., n_L]            sigmoid, BCE        W1 .. bL
``RegressionNetwork``      [n_x, n_1, ..., n_L]            identity/ReLU, MSE  W1 .. bL
=========================  ==============================  ==================  =========

The shared interface::

    model.params                        # dict of arrays, named as in the course
    AL, caches = model.forward(X)       # X (n_x, m) -> AL (n_y, m)
    cost, grads = model.cost_and_gradients(X, Y)   # grads["dW1"], grads["db1"], ...
    model.predict(X)                    # 0/1 of shape (1, m), or values for regression

For training loops that check their data once and then run many iterations::

    X, Y = model.check_inputs(X, Y)                 # validated, in the model's dtype
    AL, cost, grads = model.forward_backward(X, Y)  # one iteration's work, no checks

``model.config`` holds the constructor arguments, recorded from the call itself
(every model's ``__init__`` is wrapped once, by :class:`Network`), so a twin
(see ``torch_ref``) can be built from the same description and a new argument
is written only where the constructor takes and uses it.
"""

import functools
import inspect
from typing import Optional, Union

import numpy as np

from scratch.activations import DEFAULT_NEGATIVE_SLOPE, HIDDEN_ACTIVATIONS, get_activation
from scratch.costs import (
    binary_cross_entropy_from_logits,
    mean_squared_error,
    mean_squared_error_dAL,
)
from scratch.initializers import initialize_parameters
from scratch.layers import linear_activation_forward, linear_backward
from scratch.validation import (
    check_finite_number,
    check_layer_dims,
    check_param_values,
    check_params,
    check_X,
    check_Y,
)

# Annotations of the constructors' arguments; the twins' signatures are derived from them.
Scale = Union[float, str, None]
DTypeLike = Union[str, np.dtype, type]


def classification_accuracy(AL, Y):
    """Fraction of predictions (AL > 0.5) equal to the labels Y, both of shape (n_y, m)."""
    return float(np.mean((AL > 0.5) == Y))


class LayerSizes:
    """L, n_x and n_y from ``self.layer_dims`` = [n_x, n_1, ..., n_L]; shared by both twins."""

    @property
    def L(self):
        """Number of layers with parameters (the input layer is layer 0)."""
        return len(self.layer_dims) - 1

    @property
    def n_x(self):
        return self.layer_dims[0]

    @property
    def n_y(self):
        return self.layer_dims[-1]


def _recording_config(init):
    """Wrap a model's ``__init__`` so that ``self.config`` records the arguments of the call.

    Every argument of the signature is recorded, defaults included, in
    signature order, as :meth:`Network._config_value` writes it. When a
    constructor calls ``super().__init__``, the outermost one finishes last,
    so ``config`` describes the class the caller built.
    """
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = list(bound.arguments.items())[1:]  # without self
        self.config = {name: self._config_value(name, value) for name, value in arguments}

    return __init__


class Network(LayerSizes):
    """L layers of LINEAR -> activation, trained on a cross-entropy or squared-error cost.

    Subclasses choose the layer sizes, activations and parameter names; this
    class holds the forward pass, the cost, the backward pass and the checks.

    Parameters
    ----------
    layer_dims : list of int
        [n_x, n_1, ..., n_L].
    hidden_activation : {"sigmoid", "tanh", "relu", "leaky_relu"}
        g[l] for l = 1..L-1.
    output_activation : {"sigmoid", "identity", "relu"}
        g[L]. "sigmoid" pairs with the binary cross-entropy; the others with
        the mean squared error.
    init, seed, scale
        See :func:`scratch.initializers.initialize_parameters`.
    negative_slope : float
        Slope of leaky ReLU for z < 0.
    dtype : float64 (default) or float32

    Attributes
    ----------
    config : dict
        The constructor's arguments as plain data (``dtype`` by name, so that
        it can be written to JSON): ``type(model)(**model.config)`` builds the
        same model. Subclasses get it without writing anything: their
        ``__init__`` is wrapped when the class is defined.
    """

    task = "classification"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording_config(cls.__init__)

    @_recording_config
    def __init__(
        self,
        layer_dims: list[int],
        hidden_activation: str = "relu",
        output_activation: str = "sigmoid",
        *,
        init: str = "he",
        seed: Optional[int] = 1,
        scale: Scale = None,
        negative_slope: float = DEFAULT_NEGATIVE_SLOPE,
        dtype: DTypeLike = "float64",
    ):
        self.layer_dims = check_layer_dims(layer_dims)
        if hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"unknown hidden_activation {hidden_activation!r}; "
                f"choose one of: {', '.join(HIDDEN_ACTIVATIONS)}"
            )
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float64 or float32, got {self.dtype}")
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.negative_slope = float(check_finite_number("negative_slope", negative_slope))
        L = len(self.layer_dims) - 1
        self._activations = [get_activation(hidden_activation, negative_slope)] * (L - 1)
        self._activations.append(get_activation(output_activation))
        self._names = self._parameter_names(L)
        self.params = self._named(
            initialize_parameters(self.layer_dims, init, seed, scale, self.dtype)
        )

    # -- description ------------------------------------------------------------------------
    def param_shapes(self):
        """Shape of each parameter, keyed by its course name."""
        return {name: value.shape for name, value in self.params.items()}

    def _config_value(self, name, value):
        """How ``config`` records argument ``name`` given as ``value``: as plain data."""
        if name == "dtype":
            return self.dtype.name
        if name == "layer_dims":
            return list(self.layer_dims)
        return value

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self.config.items())
        return f"{type(self).__name__}({args})"

    # -- parameters -------------------------------------------------------------------------
    def _parameter_names(self, L):
        """(weight name, bias name) of each layer."""
        return [(f"W{l}", f"b{l}") for l in range(1, L + 1)]

    def _named(self, params):
        """Map initialiser output W1, b1, ... onto this model's parameter names."""
        return {name: params[f"{kind}{l}"] for l, pair in enumerate(self._names, 1)
                for kind, name in zip("Wb", pair)}

    def _layers(self):
        """(W[l], b[l]) for l = 1..L, W of shape (n_l, n_{l-1})."""
        return [(self.params[w], self.params[b]) for w, b in self._names]

    def load_params(self, params):
        """Replace the parameters by copies of ``params`` after checking names and shapes.

        Parameters
        ----------
        params : mapping of str to array
            Exactly the names in ``self.params``, with the same shapes and
            finite values. Values of another dtype are converted to the model's:
            float32 into a float64 model exactly, float64 into a float32 model
            rounded to the nearest float32.

        Raises
        ------
        KeyError, scratch.errors.ShapeError, scratch.errors.DataError
            Naming the missing, misshapen or non-finite parameter, or one with a
            value beyond the range of the model's dtype; nothing is replaced then.
        """
        expected = self.param_shapes()
        check_params(type(self).__name__, expected, params)
        for name in expected:
            check_param_values(name, params[name], self.dtype)
        self.params = {name: np.array(params[name], dtype=self.dtype) for name in expected}

    # -- forward, cost, backward ------------------------------------------------------------
    def _check_X(self, X):
        return check_X(X, self.n_x, self.dtype)

    def _check_Y(self, Y, m):
        return check_Y(Y, m, self.n_y, self.dtype, binary=self.task == "classification")

    def check_inputs(self, X, Y):
        """X and Y after the checks every public method runs, for :meth:`forward_backward`.

        Parameters
        ----------
        X : array_like, shape (n_x, m)
        Y : array_like, shape (n_y, m)
            0 or 1 for a classifier.

        Returns
        -------
        X : ndarray, shape (n_x, m)
        Y : ndarray, shape (n_y, m)
            In the model's dtype (integer input converted, floating input never
            silently re-cast), finite.

        Raises
        ------
        scratch.errors.ShapeError, scratch.errors.DataError, TypeError
            One line naming X or Y, the value and what is expected.
        """
        X = self._check_X(X)
        return X, self._check_Y(Y, X.shape[1])

    def forward(self, X):
        """Forward propagation.

        Parameters
        ----------
        X : ndarray, shape (n_x, m)

        Returns
        -------
        AL : ndarray, shape (n_y, m)
        caches : list of L tuples ((A_prev, W, b), Z), one per layer
        """
        return self._forward(self._check_X(X))

    def _forward(self, X):
        A = X
        caches = []
        for (W, b), activation in zip(self._layers(), self._activations):
            A, cache = linear_activation_forward(A, W, b, activation)
            caches.append(cache)
        return A, caches

    def _cost(self, AL, caches, Y):
        if self.output_activation == "sigmoid":
            return binary_cross_entropy_from_logits(caches[-1][1], Y)
        return mean_squared_error(AL, Y)

    def cost(self, X, Y):
        """The cost J on (X, Y); X of shape (n_x, m), Y of shape (n_y, m)."""
        X, Y = self.check_inputs(X, Y)
        AL, caches = self._forward(X)
        return self._cost(AL, caches, Y)

    def _backward(self, AL, caches, Y):
        grads = {}
        if self.output_activation == "sigmoid":
            dZ = AL - Y  # sigmoid and cross-entropy together: dZ[L] = A[L] - Y
        else:
            dZ = self._activations[-1].backward(mean_squared_error_dAL(AL, Y), caches[-1][1])
        for l in range(self.L, 0, -1):
            linear_cache, _ = caches[l - 1]
            dA_prev, dW, db = linear_backward(dZ, linear_cache, need_dA_prev=l > 1)
            w_name, b_name = self._names[l - 1]
            grads["d" + w_name] = self._weight_grad(dW)
            grads["d" + b_name] = db
            if l > 1:
                dZ = self._activations[l - 2].backward(dA_prev, caches[l - 2][1])
        return {"d" + name: grads["d" + name] for name in self.params}

    def _weight_grad(self, dW):
        return dW

    def forward_backward(self, X, Y):
        """One iteration's forward, cost and backward propagation, without input checks.

        For training loops that check their data once with :meth:`check_inputs`
        and then iterate (:func:`scratch.train` does): it skips those checks, so
        X and Y must be what ``check_inputs`` returned. Anyone else calls
        :meth:`cost_and_gradients`.

        Parameters
        ----------
        X : ndarray, shape (n_x, m)
        Y : ndarray, shape (n_y, m)

        Returns
        -------
        AL : ndarray, shape (n_y, m)
            The output of the forward pass.
        cost : float
        grads : dict
            ``"d" + name`` for every parameter, with the parameter's shape.
        """
        AL, caches = self._forward(X)
        return AL, self._cost(AL, caches, Y), self._backward(AL, caches, Y)

    def cost_and_gradients(self, X, Y):
        """Forward, cost and backward propagation in one call.

        Parameters
        ----------
        X : ndarray, shape (n_x, m)
        Y : ndarray, shape (n_y, m)

        Returns
        -------
        cost : float
        grads : dict
            ``"d" + name`` for every parameter, with the parameter's shape.
        """
        _, cost, grads = self.forward_backward(*self.check_inputs(X, Y))
        return cost, grads

    def predict(self, X):
        """Class 0/1 (int64, shape (n_y, m)) where AL > 0.5; values AL for regression."""
        AL, _ = self.forward(X)
        if self.task == "regression":
            return AL
        return (AL > 0.5).astype(np.int64)

    def accuracy(self, X, Y):
        """Fraction of the m examples predicted correctly, in [0, 1]."""
        if self.task != "classification":
            raise TypeError(f"{type(self).__name__} is a regression model: accuracy is undefined")
        X, Y = self.check_inputs(X, Y)
        return classification_accuracy(self._forward(X)[0], Y)


class LogisticRegression(Network):
    """Logistic regression, y_hat = sigmoid(w^T x + b) (week 2).

    Parameters ``w`` of shape (n_x, 1) and ``b`` of shape (1, 1), zero by
    default as in the course.
    """

    def __init__(
        self,
        n_x: int,
        *,
        init: str = "zeros",
        seed: Optional[int] = 1,
        scale: Scale = None,
        dtype: DTypeLike = "float64",
    ):
        super().__init__(
            [n_x, 1], "sigmoid", "sigmoid", init=init, seed=seed, scale=scale, dtype=dtype
        )

    def _parameter_names(self, L):
        return [("w", "b")]

    def _named(self, params):
        return {"w": params["W1"].T.copy(), "b": params["b1"]}

    def _layers(self):
        # The course stores w as a column; the layer uses W = w^T, of shape (1, n_x).
        return [(self.params["w"].T, self.params["b"])]

    def _weight_grad(self, dW):
        return dW.T


class ShallowNetwork(Network):
    """A network with one hidden layer (week 3): [LINEAR -> g] -> LINEAR -> SIGMOID.

    Parameters W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1); small
    random weights (x 0.01) by default.
    """

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
    ):
        super().__init__(
            [n_x, n_h, n_y], hidden_activation, "sigmoid", init=init, seed=seed,
            scale=scale, negative_slope=negative_slope, dtype=dtype,
        )


class DeepNetwork(Network):
    """An L-layer network (week 4): [LINEAR -> g] x (L-1) -> LINEAR -> SIGMOID."""

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
    ):
        super().__init__(
            layer_dims, hidden_activation, "sigmoid", init=init, seed=seed, scale=scale,
            negative_slope=negative_slope, dtype=dtype,
        )


class RegressionNetwork(Network):
    """An L-layer network with a continuous output and the mean squared error (week 1).

    ``RegressionNetwork([1, 1], output_activation="relu")`` is the lecture's
    single neuron that maps a house's size to its price.
    """

    task = "regression"

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
    ):
        if output_activation not in ("identity", "relu"):
            raise ValueError(
                f"output_activation must be 'identity' or 'relu' for regression, "
                f"got {output_activation!r}"
            )
        super().__init__(
            layer_dims, hidden_activation, output_activation, init=init, seed=seed,
            scale=scale, negative_slope=negative_slope, dtype=dtype,
        )
