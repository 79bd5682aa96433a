"""The oracles beside the reference: finite differences, torch autograd, whole runs.

Gradients. Every backward function's outputs are derivatives of something the
learner also wrote: ``linear_backward``'s ``dW`` is (1/m) d/dW of
sum(dZ * Z) with Z from ``linear_forward``; ``L_model_backward``'s ``dW1`` is
dJ/dW1 with J from ``L_model_forward`` and ``compute_cost``, and its
``dA{l}`` is m dJ/dA[l]. So each is held to centred finite differences of the
learner's own forward and cost (the reference's where the learner did not write
them) and to torch autograd of the course's equations. torch is imported here
only, and only when a gradient is checked.

Whole runs. The model functions train on the course's data (the cat images,
the flower) and their recorded costs are compared with the reference's.
"""

import re
import types
from dataclasses import dataclass

import numpy as np

FD_EPSILON = 1e-6
FD_TOLERANCE = 1e-5       # relative; centred differences in float64 reach ~1e-9 on these
AUTOGRAD_TOLERANCE = 1e-8
# Whole runs: (relative, absolute) distance at which a learner's cost curve parts from the
# reference's. Costs a function returns are held to RUN_TOLERANCE; the flower's runs (whose
# chaotic stretch near iteration 7800 lets two correct implementations drift to ~1e-4) and
# costs read from printed lines (six decimals) to RUN_TOLERANCE_LOOSE.
RUN_TOLERANCE = (1e-5, 1e-8)
RUN_TOLERANCE_LOOSE = (1e-3, 2e-6)


def relative_difference(a, b):
    """max |a - b| / max(1e-8, max |a| + max |b|), the style guide's measure."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return np.inf
    return float(np.max(np.abs(a - b), initial=0.0) /
                 max(1e-8, np.max(np.abs(a), initial=0.0) + np.max(np.abs(b), initial=0.0)))


def _central(f, arrays, key, epsilon=FD_EPSILON):
    """d f(arrays) / d arrays[key] by centred differences (arrays[key] is changed and restored)."""
    x = arrays[key]
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + epsilon
        plus = f(arrays)
        x[index] = old - epsilon
        minus = f(arrays)
        x[index] = old
        grad[index] = (plus - minus) / (2 * epsilon)
    return grad


def _scalar(value):
    return float(np.squeeze(np.asarray(value, dtype=np.float64)))


def _float(array):
    return np.array(array, dtype=np.float64)


# -- per function: (learner outputs, finite differences, autograd) ---------------------------------
def _activation_grads(kind, case, value, forward):
    import torch

    dA, Z = (_float(a) for a in case.args)
    arrays = {"Z": Z.copy()}
    fd = _central(lambda a: float(np.sum(dA * forward(a["Z"])[0])), arrays, "Z")
    Zt = torch.tensor(Z, requires_grad=True)
    act = torch.sigmoid if kind == "sigmoid_backward" else torch.relu
    (torch.tensor(dA) * act(Zt)).sum().backward()
    return {"dZ": (value, fd, Zt.grad.numpy())}


def _sigmoid_derivative_grads(case, value, forward):
    import torch

    x = _float(np.atleast_1d(case.args[0]))
    fd = _central(lambda a: float(np.sum(forward(a["x"]))), {"x": x.copy()}, "x")
    xt = torch.tensor(x, requires_grad=True)
    torch.sigmoid(xt).sum().backward()
    return {"ds": (np.reshape(value, x.shape), fd, xt.grad.numpy())}


def _linear_grads(case, value, forward, activation=None):
    import torch

    if activation is None:
        dZ, (A_prev, W, b) = case.args
        upstream = _float(dZ)
    else:
        dA, ((A_prev, W, b), _), activation = case.args
        upstream = _float(dA)
    arrays = {"A_prev": _float(A_prev), "W": _float(W), "b": _float(b)}
    m = upstream.shape[1]

    def f(a):
        if activation is None:
            out = forward(a["A_prev"], a["W"], a["b"])[0]
        else:
            out = forward(a["A_prev"], a["W"], a["b"], activation)[0]
        return float(np.sum(upstream * out))

    fd = {k: _central(f, arrays, k) for k in ("A_prev", "W", "b")}
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    Z = tensors["W"] @ tensors["A_prev"] + tensors["b"]
    A = Z if activation is None else (torch.sigmoid(Z) if activation == "sigmoid" else torch.relu(Z))
    (torch.tensor(upstream) * A).sum().backward()
    dA_prev, dW, db = value
    return {"dA_prev": (dA_prev, fd["A_prev"], tensors["A_prev"].grad.numpy()),
            "dW": (dW, fd["W"] / m, tensors["W"].grad.numpy() / m),
            "db": (db, fd["b"] / m, tensors["b"].grad.numpy() / m)}


def _torch_deep_cost(X, params, Y, L, first=1):
    import torch

    A = X
    for l in range(first, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = torch.sigmoid(Z) if l == L else torch.relu(Z)
    return -torch.mean(Y * torch.log(A) + (1 - Y) * torch.log(1 - A))


def _L_model_backward_grads(case, value, functions):
    import torch

    AL, Y, caches = case.args
    Y = _float(Y)
    L = len(caches)
    m = Y.shape[1]
    forward, cost = functions["L_model_forward"], functions["compute_cost"]
    params = {}
    for l, ((A_prev, W, b), _) in enumerate(caches, start=1):
        params[f"W{l}"], params[f"b{l}"] = _float(W), _float(b)
    inputs = [_float(cache[0][0]) for cache in caches]

    def J(first):
        def f(a):
            sub = {}
            for l in range(first + 1, L + 1):
                sub[f"W{l - first}"], sub[f"b{l - first}"] = a[f"W{l}"], a[f"b{l}"]
            return _scalar(cost(forward(a["A"], sub)[0], Y))
        return f

    out = {}
    arrays = {**params, "A": inputs[0].copy()}
    for l in range(1, L + 1):
        for name in (f"W{l}", f"b{l}"):
            out["d" + name] = _central(J(0), arrays, name)
    for l in range(L):
        arrays = {**params, "A": inputs[l].copy()}
        out[f"dA{l}"] = m * _central(J(l), arrays, "A")

    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    A_inputs = [torch.tensor(a, requires_grad=True) for a in inputs]
    Yt = torch.tensor(Y)
    _torch_deep_cost(A_inputs[0], tensors, Yt, L).backward()
    autograd = {"d" + k: t.grad.numpy().copy() for k, t in tensors.items()}
    for l in range(L):
        A_in = torch.tensor(inputs[l], requires_grad=True)
        _torch_deep_cost(A_in, {k: t.detach() for k, t in tensors.items()}, Yt, L,
                         first=l + 1).backward()
        autograd[f"dA{l}"] = m * A_in.grad.numpy()
    return {k: (value.get(k), out[k], autograd[k]) for k in out}


def _planar_grads(case, value, functions):
    import torch

    parameters, _, X, Y = case.args
    X, Y = _float(X), _float(Y)
    forward, cost = functions["forward_propagation"], functions["compute_cost"]
    arrays = {k: _float(parameters[k]) for k in ("W1", "b1", "W2", "b2")}
    fd = {"d" + k: _central(lambda a: _scalar(cost(forward(X, a)[0], Y)), arrays, k) for k in arrays}
    t = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    A2 = torch.sigmoid(t["W2"] @ torch.tanh(t["W1"] @ torch.tensor(X) + t["b1"]) + t["b2"])
    Yt = torch.tensor(Y)
    (-torch.mean(Yt * torch.log(A2) + (1 - Yt) * torch.log(1 - A2))).backward()
    return {k: (value.get(k), fd[k], t[k[1:]].grad.numpy()) for k in fd}


def _propagate_grads(case, value, propagate):
    import torch

    w, b, X, Y = case.args
    X, Y = _float(X), _float(Y)
    arrays = {"w": _float(w), "b": np.array([[float(np.squeeze(b))]])}

    def f(a):
        return _scalar(propagate(a["w"], float(a["b"][0, 0]), X, Y)[1])

    fd = {"dw": _central(f, arrays, "w"), "db": _central(f, arrays, "b")[0, 0]}
    wt = torch.tensor(arrays["w"], requires_grad=True)
    bt = torch.tensor(float(arrays["b"][0, 0]), dtype=torch.float64, requires_grad=True)
    A = torch.sigmoid(wt.T @ torch.tensor(X) + bt)
    Yt = torch.tensor(Y)
    (-torch.mean(Yt * torch.log(A) + (1 - Yt) * torch.log(1 - A))).backward()
    grads = value[0]
    return {'grads["dw"]': (grads.get("dw"), fd["dw"], wt.grad.numpy()),
            'grads["db"]': (grads.get("db"), fd["db"], bt.grad.numpy())}


# Which of the learner's functions each backward function is a derivative of.
FORWARDS = {
    "sigmoid_derivative": ("sigmoid",),
    "sigmoid_backward": ("sigmoid",),
    "relu_backward": ("relu",),
    "linear_backward": ("linear_forward",),
    "linear_activation_backward": ("linear_activation_forward",),
    "L_model_backward": ("L_model_forward", "compute_cost"),
    "backward_propagation": ("forward_propagation", "compute_cost"),
    "propagate": ("propagate",),
}


def _coarse_dtypes(value, found, depth=0):
    """Add to ``found`` the floating dtypes narrower than float64 that ``value`` holds."""
    if depth > 4:
        return
    if isinstance(value, (np.ndarray, np.generic)):
        if np.issubdtype(value.dtype, np.floating) and value.dtype.itemsize < 8:
            found.add(str(value.dtype))
    elif isinstance(value, dict):
        for item in value.values():
            _coarse_dtypes(item, found, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _coarse_dtypes(item, found, depth + 1)


def _watched(function, coarse):
    """``function``, noting in ``coarse`` any float32 (or narrower) result it gives."""
    def watched(*args, **kwargs):
        out = function(*args, **kwargs)
        _coarse_dtypes(out, coarse)
        return out
    return watched


def gradient_oracles(kind, case, value, functions, coarse=None):
    """``output -> (learner's, finite differences, autograd)`` for a backward function.

    Parameters
    ----------
    kind : str
        The backward function's name (``Spec.gradient``).
    case : specs.Case
    value : object
        What the learner's function returned on ``case``.
    functions : dict
        ``name -> function`` for the forward functions in :data:`FORWARDS`: the
        learner's where they wrote them, otherwise the reference's.
    coarse : set, optional
        Filled with the dtypes narrower than float64 that those functions
        returned (centred differences of step :data:`FD_EPSILON` mean nothing
        through a float32 cost).
    """
    if coarse is not None:
        functions = {name: _watched(f, coarse) for name, f in functions.items()}
    if kind in ("sigmoid_backward", "relu_backward"):
        return _activation_grads(kind, case, value, functions[FORWARDS[kind][0]])
    if kind == "sigmoid_derivative":
        return _sigmoid_derivative_grads(case, value, functions["sigmoid"])
    if kind == "linear_backward":
        return _linear_grads(case, value, functions["linear_forward"])
    if kind == "linear_activation_backward":
        return _linear_grads(case, value, functions["linear_activation_forward"], activation=True)
    if kind == "L_model_backward":
        return _L_model_backward_grads(case, value, functions)
    if kind == "backward_propagation":
        return _planar_grads(case, value, functions)
    if kind == "propagate":
        return _propagate_grads(case, value, functions["propagate"])
    raise ValueError(f"no gradient oracle for {kind!r}")


def judge_gradients(oracles, forward_names, coarse=()):
    """The first output that fails an oracle, or None.

    Parameters
    ----------
    oracles : dict
        From :func:`gradient_oracles`.
    forward_names : str
        The functions the finite differences went through, for the message.
    coarse : collection of str
        The dtypes narrower than float64 those functions returned: where they
        did, finite differences that part from autograd are not held against
        them (the line says why).

    Returns
    -------
    (wrong, message) or None
        ``wrong`` is True when the output disagrees with torch autograd (the
        backward function is wrong); False when it agrees with autograd but not
        with finite differences of the learner's forward and cost (those are
        what is wrong, and the message says to check them).
    """
    for output, (got, fd, autograd) in oracles.items():
        to_fd = relative_difference(got, fd)
        to_autograd = relative_difference(got, autograd)
        if to_fd <= FD_TOLERANCE and to_autograd <= AUTOGRAD_TOLERANCE:
            continue
        if to_autograd <= AUTOGRAD_TOLERANCE:
            if coarse:
                return False, (f"finite differences through your {forward_names} not taken: "
                               f"it returns {' and '.join(sorted(coarse))}, too coarse for them")
            if not np.isfinite(to_fd):
                return False, (f"finite differences of your {forward_names} are not finite "
                               f"for {output}: check {forward_names}")
            return False, (f"{output} agrees with torch autograd but not with finite "
                           f"differences of your {forward_names} (relative difference "
                           f"{to_fd:.1e}): check {forward_names}")
        return True, (f"{output} is wrong: relative difference {to_fd:.1e} from finite "
                      f"differences of your {forward_names}, {to_autograd:.1e} from torch autograd")
    return None


# -- whole runs ----------------------------------------------------------------------------------
@dataclass
class RunSetting:
    """A model function's whole run on the course's data."""

    data: str                # "cats" or "flower"
    short: int               # iterations by default
    full: int                # the course's
    kwargs: dict


RUNS = {
    "logistic_regression": RunSetting("cats", 300, 2000, dict(learning_rate=0.005)),
    "planar": RunSetting("flower", 2000, 10000, dict(n_h=4)),
    "two_layer": RunSetting("cats", 200, 2500, dict(layers_dims=(12288, 7, 1),
                                                    learning_rate=0.0075)),
    "L_layer": RunSetting("cats", 200, 2500, dict(layers_dims=[12288, 20, 7, 5, 1],
                                                  learning_rate=0.0075)),
}

# The application's default (short) runs train on the first this many of the 209 training
# images, all 12288 inputs kept: a run's cost grows with m, and every catalogued mistake of
# the application parts the curves (or the final weights) on these as on all 209.
SHORT_RUN_IMAGES = 64

_COST_LINE = re.compile(r"[Cc]ost after iteration\s*(\d+)\s*:\s*([-+0-9.eEnainf]+)")


def run_call(kind, iterations, data):
    """(args, kwargs) of a model function's whole run; ``data`` from :func:`load_run_data`."""
    setting = RUNS[kind]
    if kind == "logistic_regression":
        return ((data.X_train, data.Y_train, data.X_test, data.Y_test),
                dict(num_iterations=iterations, print_cost=False, **setting.kwargs))
    if kind == "planar":
        X, Y = data
        return (X, Y, setting.kwargs["n_h"]), dict(num_iterations=iterations, print_cost=True)
    return ((data.X_train, data.Y_train, setting.kwargs["layers_dims"]),
            dict(learning_rate=setting.kwargs["learning_rate"], num_iterations=iterations,
                 print_cost=False))


def load_run_data(kind, data_dir=None, runs="full"):
    """The data a run needs; raises DatasetNotFoundError when the cat files are absent.

    ``runs="short"``: the application's runs take :data:`SHORT_RUN_IMAGES` images.
    """
    if RUNS[kind].data == "flower":
        from scratch.data import make_flower

        return make_flower()
    from scratch.data import load_cat_dataset

    data = load_cat_dataset(data_dir)
    if runs == "short" and kind in ("two_layer", "L_layer"):
        m = SHORT_RUN_IMAGES
        return types.SimpleNamespace(
            X_train=data.X_train[:, :m], Y_train=data.Y_train[:, :m], X_test=data.X_test,
            Y_test=data.Y_test, note=f"the first {m} of the {data.X_train.shape[1]} training "
                                     "images; --full for all")
    return data


def printed_costs(printed):
    """``[(iteration, cost), ...]`` of the "Cost after iteration i: J" lines a run printed."""
    found = []
    for i, c in _COST_LINE.findall(printed):
        try:
            found.append((int(i), float(c)))
        except ValueError:
            continue
    return found


def recorded_costs(kind, value, printed):
    """``[(iteration, cost), ...]`` a model function recorded (or printed, for ``nn_model``)."""
    if kind == "planar":
        return printed_costs(printed)
    costs = value["costs"] if kind == "logistic_regression" else value[1]
    return [(100 * i, _scalar(c)) for i, c in enumerate(costs)]


def first_parting(expected, got, rtol=RUN_TOLERANCE[0], atol=RUN_TOLERANCE[1]):
    """The first recorded (iteration, expected cost, learner's cost) where two curves part."""
    for (it, e), (_, g) in zip(expected, got):
        if not abs(g - e) <= atol + rtol * abs(e):
            return it, e, g
    return None
