"""What the checker knows about each course function.

For every function of the five assignments: its assignment, the course's
arguments, the names of its outputs, the inputs it is tried on (first the kind
the course's own tests use, then seeded random ones of other sizes: m = 1,
n = 1, L = 1..4, both activations, square matrices where a transpose would
otherwise go unseen), whether the course's leaves its arguments untouched, and
which gradient oracle and whole run apply.
"""

import importlib
import inspect
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

ASSIGNMENTS = ("basics", "logistic_regression", "planar", "deep_step_by_step",
               "deep_application")


def reference(assignment):
    """The reference module of an assignment (:mod:`scratch.course.<assignment>`)."""
    return importlib.import_module(f"scratch.course.{assignment}")


class Case(NamedTuple):
    """One call: a label for messages, positional and keyword arguments, the global seed."""

    label: str
    args: tuple
    kwargs: dict = {}
    seed: int = 1


@dataclass
class Spec:
    """One course function.

    Attributes
    ----------
    assignment, name : str
    params : tuple of str
        The course's argument names, in order.
    outputs : tuple of str or str
        Names of the returned tuple's entries, or of the single result.
    cases : callable
        ``cases() -> list of Case``; the first is the course's kind of input.
    keeps_args : bool
        The course's function does not modify its arguments.
    gradient : str or None
        Which gradient oracle applies (see :mod:`experiments.checker.oracles`).
    run : str or None
        Which whole run applies (model functions).
    """

    assignment: str
    name: str
    params: tuple
    outputs: object
    cases: Callable
    keeps_args: bool = True
    gradient: str = None
    run: str = None

    @property
    def qualified(self):
        return f"{self.assignment}.{self.name}"


# -- input builders ----------------------------------------------------------------------------
def _rs(seed):
    return np.random.RandomState(seed)


def _off_kink(rs, shape):
    """Standard normal values at least 0.1 away from 0 (ReLU's kink)."""
    Z = rs.randn(*shape)
    return Z + 0.1 * np.sign(Z)


def _probabilities(rs, shape):
    return rs.uniform(0.05, 0.95, size=shape)


def _labels(rs, shape):
    Y = (rs.rand(*shape) > 0.5).astype(np.float64)
    Y.flat[0] = 1.0
    if Y.size > 1:
        Y.flat[1] = 0.0
    return Y


def _deep_params(rs, dims):
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rs.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        params[f"b{l}"] = rs.randn(dims[l], 1) * 0.1
    return params


def _planar_params(rs, n_x, n_h, n_y):
    return {"W1": rs.randn(n_h, n_x), "b1": rs.randn(n_h, 1) * 0.1,
            "W2": rs.randn(n_y, n_h), "b2": rs.randn(n_y, 1) * 0.1}


# -- week 2: Python basics ----------------------------------------------------------------------
def _basic_sigmoid_cases():
    return [Case("x = 1", (1,)), Case("x = 3.0", (3.0,)), Case("x = -1.5", (-1.5,)),
            Case("x = 0.0", (0.0,))]


def _array_cases(course, seed=2):
    rs = _rs(seed)
    return [Case("the course's x", (course,)), Case("x (2, 3)", (rs.randn(2, 3),)),
            Case("x (1, 1)", (rs.randn(1, 1),)), Case("x (4, 1)", (rs.randn(4, 1),))]


def _image2vector_cases():
    rs = _rs(3)
    return [Case("image (3, 3, 2)", (rs.rand(3, 3, 2),)), Case("image (1, 1, 1)", (rs.rand(1, 1, 1),)),
            Case("image (4, 2, 3)", (rs.rand(4, 2, 3),))]


def _rows_cases(course):
    rs = _rs(4)
    return [Case("the course's x", (course,)), Case("x (1, 5)", (rs.randn(1, 5),)),
            Case("x (4, 1)", (rs.randn(4, 1),)), Case("x (3, 3)", (rs.randn(3, 3),)),
            Case("x (2, 4)", (rs.randn(2, 4),))]


def _loss_cases():
    rs = _rs(5)
    return [Case("the course's yhat, y", (np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1]))),
            Case("one example", (np.array([0.3]), np.array([1.0]))),
            Case("7 examples", (rs.rand(7), _labels(rs, (7,))))]


# -- week 2: logistic regression ----------------------------------------------------------------
def _propagate_cases():
    rs = _rs(6)
    return [
        Case("the course's w, b, X, Y", (np.array([[1.0], [2.0]]), 1.5,
                                         np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]]),
                                         np.array([[1, 1, 0]]))),
        Case("n_x = 1, m = 1", (rs.randn(1, 1), 0.3, rs.randn(1, 1), np.array([[1.0]]))),
        Case("n_x = 4, m = 6", (rs.randn(4, 1) * 0.5, -0.2, rs.randn(4, 6), _labels(rs, (1, 6)))),
    ]


def _optimize_cases():
    rs = _rs(7)
    course = _propagate_cases()[0].args
    return [
        Case("the course's w, b, X, Y, 250 iterations", course,
             dict(num_iterations=250, learning_rate=0.009, print_cost=False)),
        Case("n_x = 3, m = 5, 150 iterations", (np.zeros((3, 1)), 0.0, rs.randn(3, 5),
                                                _labels(rs, (1, 5))),
             dict(num_iterations=150, learning_rate=0.1, print_cost=False)),
        Case("n_x = 1, m = 1, 150 iterations", (rs.randn(1, 1), 0.5, rs.randn(1, 1),
                                                np.array([[0.0]])),
             dict(num_iterations=150, learning_rate=0.5, print_cost=False)),
    ]


def _lr_predict_cases():
    rs = _rs(8)
    return [
        Case("the course's w, b, X", (np.array([[0.1124579], [0.23106775]]), -0.3,
                                      np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]]))),
        Case("n_x = 4, m = 1", (rs.randn(4, 1), 0.1, rs.randn(4, 1))),
        Case("n_x = 1, m = 6", (rs.randn(1, 1), -0.2, rs.randn(1, 6))),
    ]


def _lr_model_cases():
    rs = _rs(9)
    return [
        Case("X_train (4, 7), 50 iterations", (rs.randn(4, 7), _labels(rs, (1, 7)), rs.randn(4, 3),
                                               _labels(rs, (1, 3))),
             dict(num_iterations=50, learning_rate=0.01, print_cost=False)),
        Case("X_train (2, 10), 250 iterations", (rs.randn(2, 10), _labels(rs, (1, 10)),
                                                 rs.randn(2, 4), _labels(rs, (1, 4))),
             dict(num_iterations=250, learning_rate=0.5, print_cost=False)),
    ]


# -- week 3: planar -----------------------------------------------------------------------------
def _layer_sizes_cases():
    rs = _rs(10)
    return [Case("X (5, 3), Y (2, 3)", (rs.randn(5, 3), rs.randn(2, 3))),
            Case("X (1, 1), Y (1, 1)", (rs.randn(1, 1), rs.randn(1, 1))),
            Case("X (2, 400), Y (1, 400)", (rs.randn(2, 400), _labels(rs, (1, 400))))]


def _planar_forward_cases():
    rs = _rs(11)
    return [Case("X (2, 3), n_h = 4", (rs.randn(2, 3), _planar_params(rs, 2, 4, 1))),
            Case("m = 1", (rs.randn(2, 1), _planar_params(rs, 2, 4, 1))),
            Case("n_x = 1, n_h = 3", (rs.randn(1, 5), _planar_params(rs, 1, 3, 1)))]


def _cost_cases(seed):
    rs = _rs(seed)
    return [Case("A (1, 3), Y (1, 3)", (np.array([[0.5002307, 0.49985831, 0.50023963]]),
                                        np.array([[1, 0, 0]]))),
            Case("m = 1", (_probabilities(rs, (1, 1)), np.array([[1.0]]))),
            Case("m = 7", (_probabilities(rs, (1, 7)), _labels(rs, (1, 7))))]


def _planar_backward_cases():
    ref = reference("planar")
    rs = _rs(12)
    cases = []
    for label, n_x, n_h, m in (("X (2, 3), n_h = 4", 2, 4, 3), ("m = 1", 2, 4, 1),
                               ("n_x = 1, n_h = 1", 1, 1, 5)):
        X = rs.randn(n_x, m)
        Y = _labels(rs, (1, m))
        params = _planar_params(rs, n_x, n_h, 1)
        _, cache = ref.forward_propagation(X, params)
        cases.append(Case(label, (params, cache, X, Y)))
    return cases


def _planar_update_cases():
    rs = _rs(13)
    cases = []
    for label, dims, lr in (("n_h = 4, default rate", (2, 4, 1), None), ("n_h = 1", (1, 1, 1), 0.5),
                            ("n_x = 3, n_h = 5", (3, 5, 1), 0.01)):
        params = _planar_params(rs, *dims)
        grads = {"d" + k: v for k, v in _planar_params(rs, *dims).items()}
        cases.append(Case(label, (params, grads) if lr is None else (params, grads, lr)))
    return cases


def _nn_model_cases():
    rs = _rs(14)
    return [Case("X (2, 3), n_h = 4, 100 iterations", (rs.randn(2, 3), _labels(rs, (1, 3)), 4),
                 dict(num_iterations=100, print_cost=False)),
            Case("X (3, 8), n_h = 2, 50 iterations", (rs.randn(3, 8), _labels(rs, (1, 8)), 2),
                 dict(num_iterations=50, print_cost=False)),
            Case("m = 1, n_h = 1", (rs.randn(2, 1), np.array([[1.0]]), 1),
                 dict(num_iterations=20, print_cost=False))]


def _planar_predict_cases():
    rs = _rs(15)
    return [Case("X (2, 3)", (_planar_params(rs, 2, 4, 1), rs.randn(2, 3))),
            Case("m = 1", (_planar_params(rs, 2, 4, 1), rs.randn(2, 1))),
            Case("X (2, 20)", (_planar_params(rs, 2, 4, 1), rs.randn(2, 20)))]


# -- week 4: deep, step by step -----------------------------------------------------------------
def _activation_cases():
    rs = _rs(16)
    return [Case("Z (1, 2)", (_off_kink(rs, (1, 2)),)), Case("Z (3, 4)", (_off_kink(rs, (3, 4)),)),
            Case("Z (1, 1)", (_off_kink(rs, (1, 1)),))]


def _activation_backward_cases():
    rs = _rs(17)
    return [Case(f"dA {shape}", (rs.randn(*shape), _off_kink(rs, shape)))
            for shape in ((1, 2), (3, 4), (1, 1))]


def _init_cases():
    return [Case("n_x = 3, n_h = 2, n_y = 1", (3, 2, 1)), Case("all 1", (1, 1, 1)),
            Case("n_x = 4, n_h = 5, n_y = 2", (4, 5, 2))]


def _init_deep_cases():
    return [Case("[5, 4, 3]", ([5, 4, 3],)), Case("L = 1: [4, 1]", ([4, 1],)),
            Case("L = 3: [3, 4, 2, 1]", ([3, 4, 2, 1],)),
            Case("L = 4: [3, 4, 2, 1, 1]", ([3, 4, 2, 1, 1],))]


def _linear_forward_cases():
    rs = _rs(18)
    return [Case("A (3, 2), W (1, 3)", (rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1))),
            Case("m = 1", (rs.randn(3, 1), rs.randn(2, 3), rs.randn(2, 1))),
            Case("n = 1", (rs.randn(1, 4), rs.randn(1, 1), rs.randn(1, 1))),
            Case("square W (3, 3)", (rs.randn(3, 4), rs.randn(3, 3), rs.randn(3, 1)))]


def _linear_activation_forward_cases():
    rs = _rs(19)
    cases = []
    for activation in ("sigmoid", "relu"):
        cases += [
            Case(f"{activation}, A_prev (3, 2), W (1, 3)",
                 (rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1), activation)),
            Case(f"{activation}, m = 1", (rs.randn(3, 1), rs.randn(2, 3), rs.randn(2, 1), activation)),
            Case(f"{activation}, square W (3, 3)",
                 (rs.randn(3, 4), rs.randn(3, 3), rs.randn(3, 1), activation)),
        ]
    return cases


DEEP_SHAPES = (("L = 2: [4, 3, 1], m = 2", [4, 3, 1], 2),
               ("L = 1: [3, 1], m = 3", [3, 1], 3),
               ("L = 3: [5, 4, 3, 1], m = 4", [5, 4, 3, 1], 4),
               ("L = 4: [4, 5, 4, 3, 1], m = 1", [4, 5, 4, 3, 1], 1),
               # Square hidden layers: a loop one layer short still runs, and shows.
               ("L = 3, square: [3, 3, 3, 1], m = 2", [3, 3, 3, 1], 2))


def _L_model_forward_cases():
    rs = _rs(20)
    return [Case(label, (rs.randn(dims[0], m), _deep_params(rs, dims))) for label, dims, m in DEEP_SHAPES]


def _linear_backward_cases():
    rs = _rs(21)
    return [
        Case("dZ (3, 4), A_prev (5, 4)", (rs.randn(3, 4), (rs.randn(5, 4), rs.randn(3, 5), rs.randn(3, 1)))),
        Case("m = 1", (rs.randn(2, 1), (rs.randn(3, 1), rs.randn(2, 3), rs.randn(2, 1)))),
        Case("n = 1", (rs.randn(1, 3), (rs.randn(1, 3), rs.randn(1, 1), rs.randn(1, 1)))),
        Case("square (3, 3)", (rs.randn(3, 3), (rs.randn(3, 3), rs.randn(3, 3), rs.randn(3, 1)))),
    ]


def _linear_activation_backward_cases():
    rs = _rs(22)
    cases = []
    for activation in ("sigmoid", "relu"):
        for label, n, n_prev, m in (("dA (1, 2), A_prev (3, 2)", 1, 3, 2), ("m = 1", 2, 3, 1),
                                    ("square (3, 3)", 3, 3, 3)):
            A_prev, W, b = rs.randn(n_prev, m), rs.randn(n, n_prev), rs.randn(n, 1)
            Z = W @ A_prev + b
            cases.append(Case(f"{activation}, {label}",
                              (rs.randn(n, m), ((A_prev, W, b), Z), activation)))
    return cases


def _L_model_backward_cases():
    ref = reference("deep_step_by_step")
    rs = _rs(23)
    cases = []
    for label, dims, m in DEEP_SHAPES:
        X = rs.randn(dims[0], m)
        AL, caches = ref.L_model_forward(X, _deep_params(rs, dims))
        cases.append(Case(label, (AL, _labels(rs, (1, m)), caches)))
    return cases


def _deep_update_cases():
    rs = _rs(24)
    cases = []
    for label, dims in (("L = 2: [4, 3, 1]", [4, 3, 1]), ("L = 1", [3, 1]),
                        ("L = 3", [5, 4, 3, 1])):
        params = _deep_params(rs, dims)
        grads = {"d" + k: v for k, v in _deep_params(rs, dims).items()}
        cases.append(Case(label, (params, grads, 0.1)))
    return cases


# -- week 4: application ------------------------------------------------------------------------
def _two_layer_cases():
    rs = _rs(25)
    return [Case("X (10, 8), (10, 4, 1), 250 iterations", (rs.rand(10, 8), _labels(rs, (1, 8)), (10, 4, 1)),
                 dict(learning_rate=0.05, num_iterations=250, print_cost=False)),
            Case("m = 1, (3, 2, 1)", (rs.rand(3, 1), np.array([[1.0]]), (3, 2, 1)),
                 dict(learning_rate=0.1, num_iterations=150, print_cost=False))]


def _L_layer_cases():
    rs = _rs(26)
    return [Case("X (10, 8), [10, 5, 3, 1], 250 iterations",
                 (rs.rand(10, 8), _labels(rs, (1, 8)), [10, 5, 3, 1]),
                 dict(learning_rate=0.05, num_iterations=250, print_cost=False)),
            Case("L = 1: [6, 1], 150 iterations", (rs.rand(6, 5), _labels(rs, (1, 5)), [6, 1]),
                 dict(learning_rate=0.1, num_iterations=150, print_cost=False)),
            Case("L = 2, m = 1", (rs.rand(4, 1), np.array([[0.0]]), [4, 3, 1]),
                 dict(learning_rate=0.1, num_iterations=101, print_cost=False))]


def _app_predict_cases():
    rs = _rs(27)
    return [Case("X (4, 5), [4, 3, 1]", (rs.randn(4, 5), _labels(rs, (1, 5)), _deep_params(rs, [4, 3, 1]))),
            Case("m = 1, L = 1", (rs.randn(3, 1), np.array([[1.0]]), _deep_params(rs, [3, 1])))]


def _positional(cases, params):
    """The cases with their keyword arguments passed by position, as the course's tests call.

    A model function that swaps two of its arguments then gets them swapped.
    """
    def positional():
        out = []
        for case in cases():
            args = list(case.args)
            for name in params[len(args):]:
                if name not in case.kwargs:
                    break
                args.append(case.kwargs[name])
            rest = {k: v for k, v in case.kwargs.items() if k not in params[:len(args)]}
            out.append(case._replace(args=tuple(args), kwargs=rest))
        return out
    return positional


def _spec(assignment, name, outputs, cases, positional=False, **kwargs):
    params = tuple(inspect.signature(getattr(reference(assignment), name)).parameters)
    if positional:
        cases = _positional(cases, params)
    return Spec(assignment, name, params, outputs, cases, **kwargs)


def _build():
    B, LR, P, D, A = ASSIGNMENTS
    specs = [
        _spec(B, "basic_sigmoid", "s", _basic_sigmoid_cases),
        _spec(B, "sigmoid", "s", lambda: _array_cases(np.array([1, 2, 3]))),
        _spec(B, "sigmoid_derivative", "ds", lambda: _array_cases(np.array([1, 2, 3])),
              gradient="sigmoid_derivative"),
        _spec(B, "image2vector", "v", _image2vector_cases),
        _spec(B, "normalizeRows", "x", lambda: _rows_cases(np.array([[0, 3, 4], [1, 6, 4]]))),
        _spec(B, "softmax", "s", lambda: _rows_cases(np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]]))),
        _spec(B, "L1", "loss", _loss_cases),
        _spec(B, "L2", "loss", _loss_cases),
        _spec(LR, "sigmoid", "s", lambda: _array_cases(np.array([0, 2]), seed=28)),
        _spec(LR, "initialize_with_zeros", ("w", "b"),
              lambda: [Case("dim = 2", (2,)), Case("dim = 1", (1,)), Case("dim = 5", (5,))]),
        _spec(LR, "propagate", ("grads", "cost"), _propagate_cases, gradient="propagate"),
        _spec(LR, "optimize", ("params", "grads", "costs"), _optimize_cases, positional=True),
        _spec(LR, "predict", "Y_prediction", _lr_predict_cases),
        _spec(LR, "model", "d", _lr_model_cases, run="logistic_regression", positional=True),
        _spec(P, "layer_sizes", ("n_x", "n_h", "n_y"), _layer_sizes_cases),
        _spec(P, "initialize_parameters", "parameters",
              lambda: [Case("n_x = 2, n_h = 4, n_y = 1", (2, 4, 1), seed=2),
                       Case("all 1", (1, 1, 1), seed=3), Case("n_x = 3, n_h = 5, n_y = 2", (3, 5, 2), seed=4)]),
        _spec(P, "forward_propagation", ("A2", "cache"), _planar_forward_cases),
        _spec(P, "compute_cost", "cost", lambda: _cost_cases(29)),
        _spec(P, "backward_propagation", "grads", _planar_backward_cases,
              gradient="backward_propagation"),
        _spec(P, "update_parameters", "parameters", _planar_update_cases),
        _spec(P, "nn_model", "parameters", _nn_model_cases, run="planar", positional=True),
        _spec(P, "predict", "predictions", _planar_predict_cases),
        _spec(D, "sigmoid", ("A", "cache"), _activation_cases),
        _spec(D, "relu", ("A", "cache"), _activation_cases),
        _spec(D, "sigmoid_backward", "dZ", _activation_backward_cases, gradient="sigmoid_backward"),
        _spec(D, "relu_backward", "dZ", _activation_backward_cases, gradient="relu_backward"),
        _spec(D, "initialize_parameters", "parameters", _init_cases),
        _spec(D, "initialize_parameters_deep", "parameters", _init_deep_cases),
        _spec(D, "linear_forward", ("Z", "cache"), _linear_forward_cases),
        _spec(D, "linear_activation_forward", ("A", "cache"), _linear_activation_forward_cases),
        _spec(D, "L_model_forward", ("AL", "caches"), _L_model_forward_cases),
        _spec(D, "compute_cost", "cost", lambda: _cost_cases(30)),
        _spec(D, "linear_backward", ("dA_prev", "dW", "db"), _linear_backward_cases,
              gradient="linear_backward"),
        _spec(D, "linear_activation_backward", ("dA_prev", "dW", "db"),
              _linear_activation_backward_cases, gradient="linear_activation_backward"),
        _spec(D, "L_model_backward", "grads", _L_model_backward_cases, gradient="L_model_backward"),
        _spec(D, "update_parameters", "parameters", _deep_update_cases),
        _spec(A, "initialize_parameters_deep", "parameters", _init_deep_cases),
        _spec(A, "two_layer_model", ("parameters", "costs"), _two_layer_cases, run="two_layer",
              positional=True),
        _spec(A, "L_layer_model", ("parameters", "costs"), _L_layer_cases, run="L_layer",
              positional=True),
        _spec(A, "predict", "p", _app_predict_cases),
    ]
    return {(spec.assignment, spec.name): spec for spec in specs}


_SPECS = None


def specs():
    """``(assignment, name) -> Spec`` for every course function (built on first use)."""
    global _SPECS
    if _SPECS is None:
        _SPECS = _build()
    return _SPECS


def course_names():
    """``name -> [assignments that have a function of that name]``."""
    names = {}
    for assignment, name in specs():
        names.setdefault(name, []).append(assignment)
    return names


# An assignment whose notebook also holds another's functions: the application's notebook
# calls the step-by-step functions (from its helper module, or written there by the learner).
INCLUDES = {"deep_application": ("deep_step_by_step",)}


def file_assignment(functions):
    """The one assignment a file is, from the names only one assignment has; None if none tells.

    A file with an application function is the application (its notebook also holds
    step-by-step functions); otherwise the assignment most such names come from, when
    no other has as many.
    """
    owners = course_names()
    votes = {}
    for name in functions:
        if len(owners.get(name, ())) == 1:
            votes[owners[name][0]] = votes.get(owners[name][0], 0) + 1
    for assignment, included in INCLUDES.items():
        if votes.get(assignment):
            return assignment
    if not votes:
        return None
    best = max(votes.values())
    top = [a for a in ASSIGNMENTS if votes.get(a) == best]
    return top[0] if len(top) == 1 else None


def infer_assignments(functions, forced=None, probe=None):
    """Which assignment each of a file's course functions belongs to.

    The file is judged as one assignment (:func:`file_assignment`): its course
    functions are that assignment's (or, in the application, the step-by-step
    ones it calls), and a function named as another assignment's is a helper of
    the learner's, left out of the result. Where no assignment stands out, a name
    found in one assignment only decides it, and a shared name (``sigmoid``,
    ``initialize_parameters``, ``compute_cost``, ``update_parameters``, ``predict``)
    goes to the assignment whose argument names match its signature, then to the
    first in course order.

    Parameters
    ----------
    functions : dict
        ``name -> function`` as the learner defined them.
    forced : str, optional
        An assignment name that decides every function (``--assignment``).
    probe : callable, optional
        ``probe(name, function, assignment) -> bool``: whether the function
        behaves as that assignment's on its first input; asked when neither the
        other names nor the signature decide (``initialize_parameters(n_x, n_h,
        n_y)`` alone: week 3 draws without reseeding, week 4 reseeds with 1).

    Returns
    -------
    dict
        ``name -> assignment`` for the course functions among ``functions``.
    """
    owners = course_names()
    if forced is not None:
        return {name: forced for name in functions if (forced, name) in specs()}
    main = file_assignment(functions)
    family = (main,) + INCLUDES.get(main, ()) if main else ()
    result = {}
    for name, function in functions.items():
        candidates = owners.get(name)
        if not candidates:
            continue
        if main is not None:
            inside = [a for a in family if a in candidates]
            if inside:
                result[name] = inside[0]
            continue
        if len(candidates) == 1:
            result[name] = candidates[0]
            continue
        try:
            params = tuple(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            params = ()
        by_signature = [a for a in candidates if specs()[(a, name)].params == params]
        if by_signature:
            chosen = by_signature[0]
            if len(by_signature) > 1 and probe is not None:
                chosen = next((a for a in by_signature if probe(name, function, a)), chosen)
        else:
            chosen = candidates[0]
        result[name] = chosen
    return result
