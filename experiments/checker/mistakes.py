"""The catalogue of typical mistakes, each one the reference run with that mistake put in.

Every assignment has a *kit*: its functions as the course composes them, where a
function that calls another (``L_model_backward`` calls
``linear_activation_backward``, which calls ``linear_backward``) looks it up in
the kit at call time. The functions that do the arithmetic are the reference's
own (:mod:`scratch.course`); the compositions are the course's loops, written
once here and held to the reference by the tests. A mistake replaces one kit
entry: the reference's result transformed (``dW`` m times too large), or the
course's code with one line wrong (``1 - A1`` for tanh's derivative). Because the
callers look it up, the mistake shows wherever it would show in a learner's
notebook: a missing 1/m in ``linear_backward`` also makes ``L_model_backward``'s
``dW1`` m times too large, and the diagnosis names ``linear_backward``.

When a learner's function is wrong, :func:`diagnose` runs every mistake that can
reach that function on the same inputs and names the one that reproduces what
the learner's function returned on all of them.
"""

import copy
import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from experiments.checker.compare import compare
from experiments.checker.specs import reference


@dataclass(frozen=True)
class Mistake:
    """One catalogued mistake.

    Attributes
    ----------
    key : str
        Short identifier, e.g. ``"linear_backward/no-1/m"``.
    assignment : str
    where : str
        The function the mistake is in.
    message : str
        The one-line diagnosis.
    patch : tuple of (name, function)
        Kit entries the mistake replaces; each function takes the kit first.
    """

    key: str
    assignment: str
    where: str
    message: str
    patch: tuple


class Kit:
    """An assignment's functions, looked up by name at call time: ``kit.L_model_backward(...)``."""

    def __init__(self, assignment, patch=()):
        self.assignment = assignment
        self._functions = dict(_BASES[assignment]())
        self._functions.update(dict(patch))

    def __getattr__(self, name):
        try:
            function = self.__dict__["_functions"][name]
        except KeyError:
            raise AttributeError(name) from None
        return partial(function, self)


def _ref(assignment, name):
    """A kit entry that is the reference's function."""
    def call(kit, *args, **kwargs):
        return getattr(reference(assignment), name)(*args, **kwargs)
    call.__name__ = name
    return call


def _transformed(assignment, name, transform):
    """A kit entry: the reference's result, then ``transform(result, *args)``."""
    def call(kit, *args, **kwargs):
        return transform(getattr(reference(assignment), name)(*args, **kwargs), *args)
    return call


def _m(X):
    return X.shape[1]


# -- the course's compositions -------------------------------------------------------------------
def _sigmoid_derivative(k, x, flaw=None):
    if flaw == "of x":
        return x * (1 - x)
    s = k.sigmoid(x)
    return s * (1 - s)


def _propagate(k, w, b, X, Y, flaw=None):
    m = X.shape[1]
    A = k.sigmoid(np.dot(w.T, X) + b)
    scale = 1 if flaw == "no 1/m" else 1 / m
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    if flaw != "cost no 1/m":
        cost = cost / m
    if flaw == "cost sign":
        cost = -cost
    dZ = Y - A if flaw == "dZ sign" else A - Y
    dw = scale * np.dot(X, dZ.T)
    db = scale * np.sum(dZ)
    return {"dw": dw, "db": db}, np.squeeze(np.array(cost))


def _optimize(k, w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False,
              flaw=None):
    w = copy.deepcopy(w)
    b = copy.deepcopy(b)
    costs = []
    for i in range(num_iterations):
        grads, cost = k.propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        step = -learning_rate if flaw == "ascent" else learning_rate
        w = w - step * dw
        if flaw != "b not updated":
            b = b - step * db
        if i % 100 == 0 or flaw == "every iteration":
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


def _lr_predict(k, w, b, X, flaw=None):
    Z = np.dot(w.reshape(X.shape[0], 1).T, X) + b
    A = Z if flaw == "no sigmoid" else k.sigmoid(Z)
    return (A > 0.5).astype(np.float64)


def _lr_model(k, X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
              print_cost=False, flaw=None):
    w, b = k.initialize_with_zeros(X_train.shape[0])
    if flaw == "defaults":
        params, grads, costs = k.optimize(w, b, X_train, Y_train)
    else:
        params, grads, costs = k.optimize(w, b, X_train, Y_train, num_iterations, learning_rate)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": k.predict(w, b, X_test),
            "Y_prediction_train": k.predict(w, b, X_train), "w": w, "b": b,
            "learning_rate": learning_rate, "num_iterations": num_iterations}


def _planar_forward(k, X, parameters, flaw=None):
    W1, b1, W2, b2 = (parameters[n] for n in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(W1, X) + b1
    A1 = {"hidden sigmoid": lambda z: 1 / (1 + np.exp(-z)),
          "hidden relu": lambda z: np.maximum(0, z)}.get(flaw, np.tanh)(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def _cross_entropy(A, Y, flaw):
    m = Y.shape[1]
    if flaw == "no (1-Y) term":
        logprobs = Y * np.log(A)
    else:
        logprobs = Y * np.log(A) + (1 - Y) * np.log(1 - A)
    cost = -np.sum(logprobs) if flaw == "no 1/m" else -np.sum(logprobs) / m
    return -cost if flaw == "sign" else cost


def _planar_cost(k, A2, Y, flaw=None):
    return float(np.squeeze(_cross_entropy(A2, Y, flaw)))


def _planar_backward(k, parameters, cache, X, Y, flaw=None):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    scale = 1 if flaw == "no 1/m" else 1 / m
    total = {"db rank-1": lambda d: np.sum(d, axis=1), "db no axis": np.sum}.get(
        flaw, lambda d: np.sum(d, axis=1, keepdims=True))
    dZ2 = A2 - Y
    dW2 = scale * np.dot(dZ2, A1.T)
    db2 = scale * total(dZ2)
    derivative = 1 - A1 if flaw == "1 - A" else 1 - np.power(A1, 2)
    dZ1 = np.dot(W2.T, dZ2) * derivative
    dW1 = scale * np.dot(dZ1, X.T)
    db1 = scale * total(dZ1)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _update(k, parameters, grads, learning_rate, flaw=None, layers=None):
    """The course's update (a new dict); ``flaw``: "sign" or "last layer"."""
    parameters = copy.deepcopy(parameters)
    L = len(parameters) // 2
    for l in range(1, L if flaw == "last layer" else L + 1):
        step = -learning_rate if flaw == "sign" else learning_rate
        parameters[f"W{l}"] = parameters[f"W{l}"] - step * grads[f"dW{l}"]
        parameters[f"b{l}"] = parameters[f"b{l}"] - step * grads[f"db{l}"]
    return parameters


def _planar_update(k, parameters, grads, learning_rate=1.2, flaw=None):
    return _update(k, parameters, grads, learning_rate, flaw)


def _nn_model(k, X, Y, n_h, num_iterations=10000, print_cost=False, flaw=None):
    np.random.seed(3)
    n_x, _, n_y = k.layer_sizes(X, Y)
    parameters = k.initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = k.forward_propagation(X, parameters)
        cost = k.compute_cost(A2, Y)
        grads = k.backward_propagation(parameters, cache, X, Y)
        if flaw != "never updated":
            parameters = k.update_parameters(parameters, grads)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration %i: %f" % (i, cost))
    return parameters


def _planar_predict(k, parameters, X, flaw=None):
    A2, _ = k.forward_propagation(X, parameters)
    return A2 if flaw == "no threshold" else A2 > 0.5


def _linear_activation_forward(k, A_prev, W, b, activation, flaw=None):
    if flaw == "swapped":
        activation = {"sigmoid": "relu", "relu": "sigmoid"}[activation]
    Z, linear_cache = k.linear_forward(A_prev, W, b)
    A, activation_cache = (k.sigmoid if activation == "sigmoid" else k.relu)(Z)
    return A, (linear_cache, activation_cache)


def _L_model_forward(k, X, parameters, flaw=None):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L - 1 if flaw == "loop short" else L):
        A, cache = k.linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    output = "relu" if flaw == "output relu" else "sigmoid"
    AL, cache = k.linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], output)
    caches.append(cache)
    return AL, caches


def _deep_cost(k, AL, Y, flaw=None):
    return np.squeeze(np.array(_cross_entropy(AL, Y, flaw)))


def _linear_activation_backward(k, dA, cache, activation, flaw=None):
    if flaw == "swapped":
        activation = {"sigmoid": "relu", "relu": "sigmoid"}[activation]
    linear_cache, activation_cache = cache
    backward = k.sigmoid_backward if activation == "sigmoid" else k.relu_backward
    return k.linear_backward(backward(dA, activation_cache), linear_cache)


def _L_model_backward(k, AL, Y, caches, flaw=None):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    if flaw == "dAL sign":
        dAL = -dAL
    shift = 1 if flaw == "dA keys shifted" else 0
    output = "relu" if flaw == "output relu" else "sigmoid"
    dA_prev, dW, db = k.linear_activation_backward(dAL, caches[L - 1], output)
    grads[f"dA{L - 1 + shift}"], grads[f"dW{L}"], grads[f"db{L}"] = dA_prev, dW, db
    for l in reversed(range(L - 2 if flaw == "loop short" else L - 1)):
        dA_prev, dW, db = k.linear_activation_backward(grads[f"dA{l + 1 + shift}"], caches[l], "relu")
        grads[f"dA{l + shift}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
    return grads


def _deep_update(k, params, grads, learning_rate, flaw=None):
    return _update(k, params, grads, learning_rate, flaw)


def _two_layer_model(k, X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                     print_cost=False, flaw=None):
    np.random.seed(1)
    costs = []
    n_x, n_h, n_y = layers_dims
    parameters = k.initialize_parameters(n_x, n_h, n_y)
    W1, b1, W2, b2 = (parameters[n] for n in ("W1", "b1", "W2", "b2"))
    for i in range(num_iterations):
        A1, cache1 = k.linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = k.linear_activation_forward(A1, W2, b2, "sigmoid")
        cost = k.compute_cost(A2, Y)
        dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
        dA1, dW2, db2 = k.linear_activation_backward(dA2, cache2, "sigmoid")
        dA0, dW1, db1 = k.linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        if flaw != "never updated":
            parameters = k.update_parameters(parameters, grads, learning_rate)
        if flaw != "stale weights":
            W1, b1, W2, b2 = (parameters[n] for n in ("W1", "b1", "W2", "b2"))
        if i % 100 == 0 or i == num_iterations:
            costs.append(cost)
    return parameters, costs


def _L_layer_model(k, X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                   print_cost=False, flaw=None):
    np.random.seed(1)
    costs = []
    parameters = k.initialize_parameters_deep(layers_dims)
    for i in range(num_iterations):
        AL, caches = k.L_model_forward(X, parameters)
        cost = k.compute_cost(AL, Y)
        grads = k.L_model_backward(AL, Y, caches)
        if flaw != "never updated":
            parameters = k.update_parameters(parameters, grads, learning_rate)
        if i % 100 == 0 or flaw == "every iteration":
            costs.append(cost)
    return parameters, costs


def _app_predict(k, X, y, parameters, flaw=None):
    probas, _ = k.L_model_forward(X, parameters)
    p = (probas > 0.5).astype(np.float64)
    print("Accuracy: " + str(np.sum((p == y) / X.shape[1])))
    return p


def _lecun_init_deep(k, layer_dims, seed=1, scale="lecun"):
    from scratch.initializers import initialize_parameters

    return initialize_parameters(layer_dims, init="course", scale=scale, seed=seed)


# -- the kits -------------------------------------------------------------------------------------
def _basics():
    names = ("basic_sigmoid", "sigmoid", "image2vector", "normalizeRows", "softmax", "L1", "L2")
    return {**{n: _ref("basics", n) for n in names}, "sigmoid_derivative": _sigmoid_derivative}


def _logistic_regression():
    return {"sigmoid": _ref("logistic_regression", "sigmoid"),
            "initialize_with_zeros": _ref("logistic_regression", "initialize_with_zeros"),
            "propagate": _propagate, "optimize": _optimize, "predict": _lr_predict,
            "model": _lr_model}


def _planar():
    return {"layer_sizes": _ref("planar", "layer_sizes"),
            "initialize_parameters": _ref("planar", "initialize_parameters"),
            "forward_propagation": _planar_forward, "compute_cost": _planar_cost,
            "backward_propagation": _planar_backward, "update_parameters": _planar_update,
            "nn_model": _nn_model, "predict": _planar_predict}


def _deep_step_by_step():
    leaves = ("sigmoid", "relu", "sigmoid_backward", "relu_backward", "initialize_parameters",
              "initialize_parameters_deep", "linear_forward", "linear_backward")
    return {**{n: _ref("deep_step_by_step", n) for n in leaves},
            "linear_activation_forward": _linear_activation_forward,
            "L_model_forward": _L_model_forward, "compute_cost": _deep_cost,
            "linear_activation_backward": _linear_activation_backward,
            "L_model_backward": _L_model_backward, "update_parameters": _deep_update}


def _deep_application():
    # The application calls dnn_app_utils_v3's helpers: the step-by-step functions, except
    # that its initialize_parameters_deep divides by sqrt(n_{l-1}) and reseeds 1.
    return {**_deep_step_by_step(), "initialize_parameters_deep": _lecun_init_deep,
            "two_layer_model": _two_layer_model, "L_layer_model": _L_layer_model,
            "predict": _app_predict}


_BASES = {"basics": _basics, "logistic_regression": _logistic_regression, "planar": _planar,
          "deep_step_by_step": _deep_step_by_step, "deep_application": _deep_application}


# -- the catalogue ------------------------------------------------------------------------------
def _flawed(function, flaw):
    return partial(function, flaw=flaw)


def _times_m(out, dZ, cache):
    dA_prev, dW, db = out
    return dA_prev, dW * dZ.shape[1], db * dZ.shape[1]


def _sigmoid_plus(kit, x):
    return 1 / (1 + np.exp(np.asarray(x, dtype=np.float64)))


def _catalogue():
    B, LR, P, D, A = ("basics", "logistic_regression", "planar", "deep_step_by_step",
                      "deep_application")
    entries = [
        # week 2, basics
        (B, "basic_sigmoid", "sign", "basic_sigmoid computes 1 / (1 + e^x): the minus sign of "
         "math.exp(-x) is missing", lambda kit, x: 1 / (1 + math.exp(x))),
        (B, "sigmoid", "sign", "sigmoid computes 1 / (1 + e^x): the minus sign of np.exp(-x) is "
         "missing", _sigmoid_plus),
        (B, "sigmoid_derivative", "of x", "sigmoid_derivative computes x (1 - x): apply s (1 - s) "
         "to s = sigmoid(x), not to x", _flawed(_sigmoid_derivative, "of x")),
        (B, "image2vector", "row", "image2vector returns a row (1, h*w*c); the course's is a "
         "column: image.reshape(h * w * c, 1)", lambda kit, image: image.reshape(1, -1)),
        (B, "normalizeRows", "axis 0", "normalizeRows divides by the norms of the columns: "
         "np.linalg.norm(x, axis=1, keepdims=True) gives the rows'",
         lambda kit, x: x / np.linalg.norm(x, axis=0, keepdims=True)),
        (B, "normalizeRows", "whole", "normalizeRows divides by the norm of the whole matrix: "
         "np.linalg.norm needs axis=1, keepdims=True", lambda kit, x: x / np.linalg.norm(x)),
        (B, "softmax", "axis 0", "softmax normalises the columns; the course's is row-wise: "
         "np.sum(x_exp, axis=1, keepdims=True)",
         lambda kit, x: np.exp(x) / np.sum(np.exp(x), axis=0, keepdims=True)),
        (B, "softmax", "whole", "softmax divides by the sum of the whole matrix: the sum needs "
         "axis=1, keepdims=True", lambda kit, x: np.exp(x) / np.sum(np.exp(x))),
        (B, "L1", "no abs", "L1 is missing the absolute value: np.sum(np.abs(y - yhat))",
         lambda kit, yhat, y: np.sum(y - yhat)),
        (B, "L1", "no abs (yhat - y)", "L1 is missing the absolute value: np.sum(np.abs(y - yhat))",
         lambda kit, yhat, y: np.sum(yhat - y)),
        (B, "L2", "sqrt", "L2 takes a square root (the Euclidean norm); the course's L2 is the "
         "sum of squares: np.sum((y - yhat) ** 2)",
         lambda kit, yhat, y: np.sqrt(np.sum((y - yhat) ** 2))),
        (B, "L2", "abs", "L2 sums |y - yhat| (that is L1): square the differences",
         lambda kit, yhat, y: np.sum(np.abs(y - yhat))),
        # week 2, logistic regression
        (LR, "sigmoid", "sign", "sigmoid computes 1 / (1 + e^z): the minus sign of np.exp(-z) is "
         "missing", _sigmoid_plus),
        (LR, "propagate", "no 1/m", "dw and db are m times too large: is the 1/m missing in "
         "propagate?", _flawed(_propagate, "no 1/m")),
        (LR, "propagate", "cost no 1/m", "the cost is m times too large: is the 1/m missing "
         "in propagate's cost?", _flawed(_propagate, "cost no 1/m")),
        (LR, "propagate", "cost sign", "the cost has the wrong sign: "
         "J = -(1/m) sum(Y log A + (1 - Y) log(1 - A))", _flawed(_propagate, "cost sign")),
        (LR, "propagate", "dZ sign", "dw and db have the wrong sign: dZ = A - Y",
         _flawed(_propagate, "dZ sign")),
        (LR, "optimize", "ascent", "optimize moves w and b up the gradient: "
         "w = w - learning_rate * dw", _flawed(_optimize, "ascent")),
        (LR, "optimize", "b not updated", "b is never updated in optimize: "
         "b = b - learning_rate * db", _flawed(_optimize, "b not updated")),
        (LR, "optimize", "every iteration", "optimize records the cost at every iteration; the "
         "course records it when i % 100 == 0", _flawed(_optimize, "every iteration")),
        (LR, "predict", "no sigmoid", "predict thresholds w.T X + b: apply sigmoid first, "
         "A = sigmoid(np.dot(w.T, X) + b)", _flawed(_lr_predict, "no sigmoid")),
        (LR, "model", "defaults", "model does not pass num_iterations and learning_rate on to "
         "optimize (optimize's defaults were used)", _flawed(_lr_model, "defaults")),
        # week 3, planar
        (P, "layer_sizes", "shape[1]", "layer_sizes reads shape[1] (that is m): n_x = X.shape[0] "
         "and n_y = Y.shape[0]", lambda kit, X, Y: (X.shape[1], 4, Y.shape[1])),
        (P, "initialize_parameters", "no 0.01", "W1 and W2 are not multiplied by 0.01",
         lambda kit, n_x, n_h, n_y: _planar_init(n_x, n_h, n_y, 1.0)),
        (P, "initialize_parameters", "zeros", "W1 and W2 start at zero: draw them with "
         "np.random.randn(...) * 0.01 (zeros keep every hidden unit the same)",
         lambda kit, n_x, n_h, n_y: _planar_init(n_x, n_h, n_y, 0.0)),
        (P, "forward_propagation", "hidden sigmoid", "forward_propagation uses sigmoid in the "
         "hidden layer; the course's is A1 = np.tanh(Z1)", _flawed(_planar_forward, "hidden sigmoid")),
        (P, "forward_propagation", "hidden relu", "forward_propagation uses ReLU in the hidden "
         "layer; the course's is A1 = np.tanh(Z1)", _flawed(_planar_forward, "hidden relu")),
        (P, "compute_cost", "no 1/m", "the cost is m times too large: is the 1/m missing in "
         "compute_cost?", _flawed(_planar_cost, "no 1/m")),
        (P, "compute_cost", "sign", "the cost has the wrong sign: "
         "J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2))", _flawed(_planar_cost, "sign")),
        (P, "compute_cost", "no (1-Y) term", "the cost is missing the (1 - Y) log(1 - A2) term",
         _flawed(_planar_cost, "no (1-Y) term")),
        (P, "backward_propagation", "1 - A", "dZ1 uses 1 - A1; tanh's derivative is "
         "1 - A1**2: np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", _flawed(_planar_backward, "1 - A")),
        (P, "backward_propagation", "no 1/m", "dW1, db1, dW2, db2 are m times too large: is the "
         "1/m missing in backward_propagation?", _flawed(_planar_backward, "no 1/m")),
        (P, "backward_propagation", "db rank-1", "db1 and db2 are rank-1 arrays: the sums in "
         "backward_propagation need axis=1, keepdims=True", _flawed(_planar_backward, "db rank-1")),
        (P, "backward_propagation", "db no axis", "db1 and db2 are single numbers: the sums in "
         "backward_propagation need axis=1, keepdims=True", _flawed(_planar_backward, "db no axis")),
        (P, "update_parameters", "sign", "update_parameters adds the gradient: "
         "W1 = W1 - learning_rate * dW1", _flawed(_planar_update, "sign")),
        (P, "nn_model", "never updated", "nn_model never updates its parameters: "
         "parameters = update_parameters(parameters, grads)", _flawed(_nn_model, "never updated")),
        (P, "predict", "no threshold", "predict returns the probabilities A2; the course's "
         "returns A2 > 0.5", _flawed(_planar_predict, "no threshold")),
        # week 4, step by step
        (D, "sigmoid", "cache A", "sigmoid's cache holds A; the course's cache is Z "
         "(sigmoid_backward needs Z)", lambda kit, Z: (lambda A: (A, A))(1 / (1 + np.exp(-Z)))),
        (D, "relu", "cache A", "relu's cache holds A; the course's cache is Z "
         "(relu_backward needs Z)", lambda kit, Z: (lambda A: (A, A))(np.maximum(0, Z))),
        (D, "sigmoid_backward", "of Z", "sigmoid_backward applies s (1 - s) to Z: compute "
         "s = 1 / (1 + np.exp(-Z)) first", lambda kit, dA, Z: dA * Z * (1 - Z)),
        (D, "sigmoid_backward", "of dA", "sigmoid_backward applies s (1 - s) to dA: "
         "s = 1 / (1 + np.exp(-Z)), dZ = dA * s * (1 - s)",
         lambda kit, dA, Z: dA * dA * (1 - dA)),
        (D, "relu_backward", "mask dA", "relu_backward masks where dA <= 0; the mask belongs on Z: "
         "dZ[Z <= 0] = 0", lambda kit, dA, Z: np.where(dA <= 0, 0.0, dA)),
        (D, "relu_backward", "no mask", "relu_backward does not zero dZ where Z <= 0: "
         "dZ[Z <= 0] = 0", lambda kit, dA, Z: np.array(dA, copy=True)),
        (D, "initialize_parameters", "no 0.01", "W1 and W2 are not multiplied by 0.01",
         lambda kit, n_x, n_h, n_y: _deep_init([n_x, n_h, n_y], 1, 1.0)),
        (D, "initialize_parameters_deep", "no 0.01", "the W[l] are not multiplied by 0.01",
         lambda kit, dims: _deep_init(dims, 3, 1.0)),
        (D, "initialize_parameters_deep", "lecun", "initialize_parameters_deep divides by "
         "np.sqrt(layer_dims[l-1]); this assignment multiplies by 0.01",
         lambda kit, dims: _deep_init(dims, 3, "lecun")),
        (D, "initialize_parameters_deep", "loop short", "the loop in initialize_parameters_deep "
         "is one layer short: for l in range(1, L) with L = len(layer_dims)",
         lambda kit, dims: _deep_init(dims[:-1], 3, 0.01) if len(dims) > 2 else {}),
        (D, "linear_forward", "W.T", "linear_forward computes np.dot(W.T, A): Z = np.dot(W, A) + b",
         lambda kit, A, W, b: (np.dot(W.T, A) + b, (A, W, b))),
        (D, "linear_forward", "no b", "Z is missing + b: Z = np.dot(W, A) + b",
         lambda kit, A, W, b: (np.dot(W, A), (A, W, b))),
        (D, "linear_forward", "cache order", "linear_forward's cache is not (A, W, b) in that "
         "order", lambda kit, A, W, b: (np.dot(W, A) + b, (W, A, b))),
        (D, "linear_activation_forward", "swapped", 'linear_activation_forward applies ReLU for '
         '"sigmoid" and sigmoid for "relu": the branches are swapped',
         _flawed(_linear_activation_forward, "swapped")),
        (D, "L_model_forward", "output relu", "the output layer uses ReLU: L_model_forward's last "
         "layer is LINEAR -> SIGMOID", _flawed(_L_model_forward, "output relu")),
        (D, "L_model_forward", "loop short", "the loop in L_model_forward is one layer short: "
         "for l in range(1, L) with L = len(parameters) // 2", _flawed(_L_model_forward, "loop short")),
        (D, "compute_cost", "no 1/m", "the cost is m times too large: is the 1/m missing in "
         "compute_cost?", _flawed(_deep_cost, "no 1/m")),
        (D, "compute_cost", "sign", "the cost has the wrong sign: "
         "J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL))", _flawed(_deep_cost, "sign")),
        (D, "compute_cost", "no (1-Y) term", "the cost is missing the (1 - Y) log(1 - AL) term",
         _flawed(_deep_cost, "no (1-Y) term")),
        (D, "linear_backward", "no 1/m", "dW and db are m times too large: is the 1/m missing in "
         "linear_backward?", _transformed(D, "linear_backward", _times_m)),
        (D, "linear_backward", "db rank-1", "db is a rank-1 array: the sum in linear_backward "
         "needs axis=1, keepdims=True", _transformed(
             D, "linear_backward", lambda out, dZ, cache: (out[0], out[1], out[2].ravel()))),
        (D, "linear_backward", "db no axis", "db is a single number: the sum in linear_backward "
         "needs axis=1, keepdims=True", _transformed(
             D, "linear_backward", lambda out, dZ, cache: (out[0], out[1], np.sum(out[2])))),
        (D, "linear_backward", "W not T", "dA_prev uses W where W.T belongs: "
         "dA_prev = np.dot(W.T, dZ)", _transformed(
             D, "linear_backward", lambda out, dZ, cache: (np.dot(cache[1], dZ), out[1], out[2]))),
        (D, "linear_backward", "A_prev not T", "dW uses A_prev where A_prev.T belongs: "
         "dW = np.dot(dZ, A_prev.T) / m", _transformed(
             D, "linear_backward",
             lambda out, dZ, cache: (out[0], np.dot(dZ, cache[0]) / dZ.shape[1], out[2]))),
        (D, "linear_activation_backward", "swapped", 'linear_activation_backward uses '
         'sigmoid_backward for "relu" and relu_backward for "sigmoid": the branches are swapped',
         _flawed(_linear_activation_backward, "swapped")),
        (D, "L_model_backward", "dAL sign", "dAL has the wrong sign: "
         "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))", _flawed(_L_model_backward, "dAL sign")),
        (D, "L_model_backward", "output relu", "the output layer's backward uses relu: layer L "
         'is LINEAR -> SIGMOID, linear_activation_backward(dAL, current_cache, "sigmoid")',
         _flawed(_L_model_backward, "output relu")),
        (D, "L_model_backward", "loop short", "the loop in L_model_backward is one layer short: "
         "for l in reversed(range(L - 1)) reaches layer 1", _flawed(_L_model_backward, "loop short")),
        (D, "L_model_backward", "dA keys shifted", 'the dA keys are shifted by one: '
         'grads["dA" + str(l)] holds the dA_prev of layer l + 1 (dA0 ... dA{L-1})',
         _flawed(_L_model_backward, "dA keys shifted")),
        (D, "update_parameters", "last layer", "W[L] and b[L] are never updated: the loop in "
         "update_parameters stops one layer short (range(L) with L = len(parameters) // 2)",
         _flawed(_deep_update, "last layer")),
        (D, "update_parameters", "sign", "update_parameters adds the gradient: "
         "W = W - learning_rate * dW", _flawed(_deep_update, "sign")),
        # week 4, application
        (A, "initialize_parameters_deep", "0.01", "the weights start at 0.01 * randn where this "
         "assignment divides by np.sqrt(layers_dims[l-1]) (initialize_parameters_deep)",
         partial(_lecun_init_deep, seed=1, scale=0.01)),
        (A, "initialize_parameters_deep", "0.01, seed 3", "the weights start at 0.01 * randn where "
         "this assignment divides by np.sqrt(layers_dims[l-1]) (initialize_parameters_deep)",
         partial(_lecun_init_deep, seed=3, scale=0.01)),
        (A, "two_layer_model", "never updated", "two_layer_model never updates its parameters: "
         "parameters = update_parameters(parameters, grads, learning_rate)",
         _flawed(_two_layer_model, "never updated")),
        (A, "two_layer_model", "stale weights", "W1, b1, W2, b2 are not read back from "
         "parameters after update_parameters: every iteration uses the first weights",
         _flawed(_two_layer_model, "stale weights")),
        (A, "L_layer_model", "never updated", "L_layer_model never updates its parameters: "
         "parameters = update_parameters(parameters, grads, learning_rate)",
         _flawed(_L_layer_model, "never updated")),
        (A, "L_layer_model", "every iteration", "L_layer_model records the cost at every "
         "iteration; the course records it when i % 100 == 0", _flawed(_L_layer_model, "every iteration")),
    ]
    mistakes = [Mistake(f"{where}/{key}", assignment, where, message, ((where, function),))
                for assignment, where, key, message, function in entries]
    # The application runs the step-by-step functions: their mistakes show there too.
    mistakes += [Mistake(m.key, A, m.where, m.message, m.patch) for m in mistakes
                 if m.assignment == D and m.where not in ("initialize_parameters_deep",)]
    return mistakes


def _planar_init(n_x, n_h, n_y, scale):
    W1 = np.random.randn(n_h, n_x) * scale
    W2 = np.random.randn(n_y, n_h) * scale
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def _deep_init(dims, seed, scale):
    from scratch.initializers import initialize_parameters

    return initialize_parameters(list(dims), init="course", seed=seed, scale=scale)


_CATALOGUE = None


def catalogue():
    """Every catalogued :class:`Mistake`."""
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = _catalogue()
    return _CATALOGUE


# Which course functions each composition calls, to know where a mistake can show.
CALLS = {
    "sigmoid_derivative": ("sigmoid",),
    "propagate": ("sigmoid",), "optimize": ("propagate",), "predict": ("sigmoid", "L_model_forward",
                                                                       "forward_propagation"),
    "model": ("initialize_with_zeros", "optimize", "predict"),
    "nn_model": ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
                 "backward_propagation", "update_parameters"),
    "linear_activation_forward": ("linear_forward", "sigmoid", "relu"),
    "L_model_forward": ("linear_activation_forward",),
    "linear_activation_backward": ("linear_backward", "sigmoid_backward", "relu_backward"),
    "L_model_backward": ("linear_activation_backward",),
    "two_layer_model": ("initialize_parameters", "linear_activation_forward", "compute_cost",
                        "linear_activation_backward", "update_parameters"),
    "L_layer_model": ("initialize_parameters_deep", "L_model_forward", "compute_cost",
                      "L_model_backward", "update_parameters"),
}


def reaches(name, where):
    """Whether a mistake in ``where`` can show in ``name``'s result."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current == where:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(CALLS.get(current, ()))
    return False


def mistakes_for(assignment, name):
    """The catalogued mistakes that can show in ``assignment``'s ``name``."""
    return [m for m in catalogue() if m.assignment == assignment and reaches(name, m.where)]


def run_kit(assignment, name, case, patch=()):
    """Run the kit's ``name`` on a case (global seed set first); (value, exception)."""
    import contextlib
    import io

    kit = Kit(assignment, patch)
    args, kwargs = copy.deepcopy((case.args, case.kwargs))
    np.random.seed(case.seed)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            with np.errstate(all="ignore"):
                return getattr(kit, name)(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - a mistaken run may fail any way the learner's did
        return None, exc


def _same_failure(a, b):
    common = set(type(a).__mro__) & set(type(b).__mro__)
    return bool(common - {Exception, BaseException, object})


def diagnose(assignment, name, cases, outcomes, expected, prefer=(), written=None):
    """The catalogued mistake that reproduces the learner's results, or None.

    Parameters
    ----------
    assignment, name : str
    cases : list of Case
    outcomes : list of sandbox.Outcome
        The learner's function on each case (None where it was not run).
    expected : list
        The reference's result on each case.

    prefer : sequence of str
        Catalogue keys to try first: the mistakes already found in the functions
        this one calls, which explain it best when two mistakes have the same effect.
    written : set of str, optional
        The functions the learner wrote: a mistake in a function they did not write
        (given by the course's helper module) is never named. None: any.

    Returns
    -------
    Mistake or None
        The first mistake that, on every case the learner's function was run on,
        returns what it returned (or fails where it failed), on at least one
        case with a wrong value rather than a failure. Mistakes in the
        function itself are tried first, then those in the functions it calls.
    """
    candidates = sorted((m for m in mistakes_for(assignment, name)
                         if written is None or m.where == name or m.where in written),
                        key=lambda m: (m.key not in prefer, m.where != name))
    for mistake in candidates:
        reproduced = True
        evidence = 0
        for case, outcome, reference_value in zip(cases, outcomes, expected):
            if outcome is None or outcome.timed_out:
                continue
            value, error = run_kit(assignment, name, case, mistake.patch)
            if outcome.ok:
                if error is not None or compare(value, outcome.value) is not None:
                    reproduced = False
                    break
                # A failure both share is consistent with the mistake but proves nothing.
                evidence += compare(reference_value, outcome.value) is not None
            elif error is None or not _same_failure(error, outcome.exception):
                reproduced = False
                break
        if reproduced and evidence:
            return mistake
    return None
