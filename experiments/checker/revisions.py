"""The revisions of the course's assignments that learners hold, as data.

The reference (:mod:`scratch.course`) is the 2021 revision. Older and newer
notebooks of the same assignment differ from it in small, documented ways: an
extra argument, a default, a reseed, a result returned alone, an update made in
place, the name of the helper module the notebook imports. Each revision below
lists those differences; its reference is the 2021 function wrapped by them (an
adapter), never a copy.

What the table says is taken from the public notebooks of each year:

* 2017-18: the first Coursera release (``dnn_app_utils_v2``, ``dnn_utils_v2``,
  ``testCases_v2``/``testCases_v3``; "### START CODE HERE ###" templates).
* 2019-20: the same functions with the ``_v3``/``_v4`` helper modules.
* 2021: the rewrite with ``public_tests`` and "# YOUR CODE STARTS HERE"
  templates (the reference).
* 2024: the 2021 functions; the application imports ``dnn_app_utils`` and the
  step-by-step tests come from ``dlai_tools``.

Where two revisions' *functions* agree and only their helper modules tell them
apart (2017-18 and 2019-20), which one a learner holds changes no verdict.
"""

import contextlib
from dataclasses import dataclass, field

import numpy as np

REVISIONS = ("2017-18", "2019-20", "2021", "2024")
REFERENCE_REVISION = "2021"
OLD = ("2017-18", "2019-20")


@dataclass(frozen=True)
class Change:
    """How one function of a revision differs from the 2021 one.

    Attributes
    ----------
    params : tuple of str or None
        The revision's argument names, where they differ.
    outputs : tuple of str, str or None
        The revision's result names, where they differ.
    adapt_args : callable or None
        ``adapt_args(args) -> args``: a 2021 case's positional arguments in this
        revision's form (``compute_cost(A2, Y)`` -> ``(A2, Y, parameters)``).
    reference : callable or None
        ``reference(reference_function) -> function``: the 2021 reference wrapped
        into this revision's (a reseed, a result returned alone).
    normalise : callable or None
        ``normalise(value) -> value``: a learner's result put in the 2021 form
        where the revision allows more than one (``b = 0`` or ``b = 0.``).
    keeps_args : bool or None
        False where the revision's function changes its argument in place.
    note : str
        The difference, in a few words.
    """

    params: tuple = None
    outputs: object = None
    adapt_args: object = None
    reference: object = None
    normalise: object = None
    keeps_args: bool = None
    note: str = ""


@dataclass(frozen=True)
class Revision:
    """One revision of one assignment.

    Attributes
    ----------
    assignment : str
    name : str
        "2017-18", "2019-20", "2021" or "2024".
    helper_modules : tuple of str
        The modules its notebook imports beside NumPy (helpers and tests).
    graded : tuple of str
        Its graded functions.
    changes : dict
        ``function name -> Change`` where it differs from the 2021 revision.
    """

    assignment: str
    name: str
    helper_modules: tuple
    graded: tuple
    changes: dict = field(default_factory=dict)


# -- adapters -----------------------------------------------------------------------------------
def _with_planar_parameters(args):
    """compute_cost(A2, Y) -> compute_cost(A2, Y, parameters): a network that yields A2's shape."""
    A2, Y = args[:2]
    rs = np.random.RandomState(31)
    n_y = np.shape(A2)[0] if np.ndim(A2) == 2 else 1
    parameters = {"W1": rs.randn(4, 2) * 0.01, "b1": np.zeros((4, 1)),
                  "W2": rs.randn(n_y, 4) * 0.01, "b2": np.zeros((n_y, 1))}
    return (A2, Y, parameters) + tuple(args[2:])


def _ignoring_parameters(compute_cost):
    def compute_cost_with_parameters(A2, Y, parameters):
        return compute_cost(A2, Y)
    return compute_cost_with_parameters


def _reseeding(seed):
    def wrap(function):
        def reseeded(*args, **kwargs):
            np.random.seed(seed)
            return function(*args, **kwargs)
        reseeded.__name__ = function.__name__
        return reseeded
    return wrap


@contextlib.contextmanager
def _replaced(module, name, function):
    """``module.name`` is ``function`` for the block: the 2021 composition with one part swapped."""
    old = getattr(module, name)
    setattr(module, name, function)
    try:
        yield
    finally:
        setattr(module, name, old)


def _nn_model_reseeding_in_initialize(nn_model):
    """2017-20: nn_model reseeds with 3, then initialize_parameters reseeds with 2."""
    from scratch.course import planar

    def old_nn_model(*args, **kwargs):
        with _replaced(planar, "initialize_parameters",
                       _reseeding(2)(planar.initialize_parameters)):
            return nn_model(*args, **kwargs)
    return old_nn_model


def _parameters_alone(model):
    def parameters_alone(*args, **kwargs):
        return model(*args, **kwargs)[0]
    parameters_alone.__name__ = model.__name__
    return parameters_alone


def _b_as_float(value):
    """initialize_with_zeros: 2017-20 return ``b = 0`` (an int), 2021 ``b = 0.``; both taken."""
    if isinstance(value, tuple) and len(value) == 2 and type(value[1]) is int:  # noqa: E721
        return value[0], float(value[1])
    return value


# -- the table ----------------------------------------------------------------------------------
_BASICS = ("basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalizeRows",
           "softmax", "L1", "L2")
_LOGREG = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model")
_PLANAR = ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
           "backward_propagation", "update_parameters", "nn_model", "predict")
_STEP = ("initialize_parameters", "initialize_parameters_deep", "linear_forward",
         "linear_activation_forward", "L_model_forward", "compute_cost", "linear_backward",
         "linear_activation_backward", "L_model_backward", "update_parameters")
_APP = ("two_layer_model", "L_layer_model")

_OLD_LOGREG = {
    "initialize_with_zeros": Change(normalise=_b_as_float, note="b = 0 (an int) is taken"),
}
_OLD_PLANAR = {
    "compute_cost": Change(params=("A2", "Y", "parameters"), adapt_args=_with_planar_parameters,
                           reference=_ignoring_parameters,
                           note="compute_cost(A2, Y, parameters)"),
    "initialize_parameters": Change(reference=_reseeding(2),
                                    note="initialize_parameters reseeds with 2"),
    "nn_model": Change(reference=_nn_model_reseeding_in_initialize,
                       note="nn_model's initialize_parameters reseeds with 2"),
}
_OLD_STEP = {
    "update_parameters": Change(params=("parameters", "grads", "learning_rate"), keeps_args=False,
                                note="update_parameters updates the dict it is given"),
}
_OLD_APP = {
    "two_layer_model": Change(outputs="parameters", reference=_parameters_alone,
                              note="two_layer_model returns parameters alone"),
    "L_layer_model": Change(outputs="parameters", reference=_parameters_alone,
                            note="L_layer_model returns parameters alone"),
}

# The helper and test modules of each revision. Not sure: whether 2019-20's week-2
# notebooks already imported public_tests (taken here as 2021's first), and which of
# testCases_v3 / testCases_v4 each old step-by-step release used (both listed as old).
_TABLE = [
    Revision("basics", "2017-18", (), _BASICS),
    Revision("basics", "2019-20", (), _BASICS),
    Revision("basics", "2021", ("public_tests",), _BASICS),
    Revision("basics", "2024", ("public_tests",), _BASICS),
    Revision("logistic_regression", "2017-18", ("lr_utils",), _LOGREG, _OLD_LOGREG),
    Revision("logistic_regression", "2019-20", ("lr_utils",), _LOGREG, _OLD_LOGREG),
    Revision("logistic_regression", "2021", ("lr_utils", "public_tests"), _LOGREG),
    Revision("logistic_regression", "2024", ("lr_utils", "public_tests"), _LOGREG),
    Revision("planar", "2017-18", ("testCases_v2", "planar_utils"), _PLANAR, _OLD_PLANAR),
    Revision("planar", "2019-20", ("testCases_v2", "planar_utils"), _PLANAR, _OLD_PLANAR),
    Revision("planar", "2021", ("testCases_v2", "public_tests", "planar_utils"), _PLANAR),
    Revision("planar", "2024", ("testCases_v2", "public_tests", "planar_utils"), _PLANAR),
    Revision("deep_step_by_step", "2017-18", ("testCases_v2", "testCases_v3", "dnn_utils_v2"),
             _STEP, _OLD_STEP),
    Revision("deep_step_by_step", "2019-20", ("testCases_v4", "dnn_utils_v2"), _STEP, _OLD_STEP),
    Revision("deep_step_by_step", "2021", ("testCases", "public_tests", "dnn_utils"), _STEP),
    Revision("deep_step_by_step", "2024", ("testCases", "public_tests", "dnn_utils", "dlai_tools"),
             _STEP),
    Revision("deep_application", "2017-18", ("dnn_app_utils_v2",), _APP, _OLD_APP),
    Revision("deep_application", "2019-20", ("dnn_app_utils_v3",), _APP, _OLD_APP),
    Revision("deep_application", "2021", ("dnn_app_utils_v3", "public_tests"), _APP),
    Revision("deep_application", "2024", ("dnn_app_utils", "public_tests"), _APP),
]

TABLE = {(r.assignment, r.name): r for r in _TABLE}

# Which revisions a helper or test module says a notebook is (modules every revision
# of the assignment imports say nothing).
_MODULE_REVISIONS = {}
for _revision in _TABLE:
    for _module in _revision.helper_modules:
        _MODULE_REVISIONS.setdefault((_revision.assignment, _module), set()).add(_revision.name)


def revision(assignment, name):
    """The :class:`Revision` ``name`` of ``assignment``; ValueError naming the choices."""
    if name not in REVISIONS:
        raise ValueError(f"unknown revision {name!r}; choose one of: {', '.join(REVISIONS)}")
    return TABLE[(assignment, name)]


def change(assignment, revision_name, function):
    """The :class:`Change` of one function in a revision (an empty one where none)."""
    found = TABLE.get((assignment, revision_name or REFERENCE_REVISION))
    return found.changes.get(function, Change()) if found else Change()


@dataclass
class Detected:
    """The revision a file is judged as, and why.

    Attributes
    ----------
    name : str
    evidence : list of (str, set)
        Each clue (``"imports dnn_app_utils_v2"``, ``"compute_cost(A2, Y, parameters)"``)
        and the revisions it fits.
    mixed : str or None
        A line where the clues fit no single revision.
    forced : bool
        Given by the learner (``--revision``), not detected.
    """

    name: str
    evidence: list = field(default_factory=list)
    mixed: str = None
    forced: bool = False
    alike: tuple = ()

    def line(self):
        """'judged as the 2019-20 revision (imports dnn_app_utils_v3; ...)'."""
        if self.forced:
            return f"judged as the {self.name} revision (as asked)"
        modules = [text[len("imports "):] for text, fits in self.evidence
                   if self.name in fits and text.startswith("imports ")]
        clues = ([f"imports {', '.join(modules)}"] if modules else []) + [
            text for text, fits in self.evidence
            if self.name in fits and not text.startswith("imports ")]
        why = f" ({'; '.join(clues)})" if clues else " (nothing in the file tells; the reference's)"
        names = " or ".join(self.alike) if len(self.alike) > 1 else self.name
        text = f"judged as the {names} revision{why}"
        if self.mixed:
            text += f"; {self.mixed}"
        return text


def _signature_clues(assignment, signatures):
    """(clue, revisions) from the argument names of the functions the file defines."""
    clues = []
    for revision_ in (r for r in _TABLE if r.assignment == assignment):
        for function, change_ in revision_.changes.items():
            if change_.params is None or function not in signatures:
                continue
            params = signatures[function]
            if params == change_.params:
                text = f"{function}({', '.join(params)})"
                fits = {r.name for r in _TABLE if r.assignment == assignment
                        and (r.changes.get(function) or Change()).params == params}
                clues.append((text, fits))
    for function, params in signatures.items():
        # The 2021 signature, where some revision changed it, is a clue for 2021's side.
        changed = [r for r in _TABLE if r.assignment == assignment and
                   (r.changes.get(function) or Change()).params is not None]
        if changed and params and all(r.changes[function].params != params for r in changed):
            fits = {r.name for r in _TABLE if r.assignment == assignment
                    and (r.changes.get(function) or Change()).params is None}
            clues.append((f"{function}({', '.join(params)})", fits))
    return clues


# The course's template markers: "### START CODE HERE ###" up to 2020, "# YOUR CODE STARTS
# HERE" since 2021.
_MARKERS = {"START CODE HERE": set(OLD), "YOUR CODE STARTS HERE": {"2021", "2024"}}


def detect(assignment, imports=(), signatures=None, forced=None, markers=()):
    """The revision of ``assignment`` a file holds.

    Parameters
    ----------
    assignment : str
    imports : sequence of str
        The modules the file imports (:attr:`loader.Submission.imports`).
    signatures : dict, optional
        ``function name -> tuple of argument names`` of the functions it defines.
    forced : str, optional
        A revision the learner named (``--revision``).
    markers : sequence of str
        The template markers the file holds (:attr:`loader.Submission.template_markers`).

    Returns
    -------
    Detected
    """
    if forced is not None:
        revision(assignment, forced)
        return Detected(forced, forced=True)
    evidence = []
    seen = set()
    for module in imports:
        top = module.split(".")[0]
        fits = _MODULE_REVISIONS.get((assignment, top))
        if fits and top not in seen and len(fits) < len(REVISIONS):
            seen.add(top)
            evidence.append((f"imports {top}", set(fits)))
    for clue in _signature_clues(assignment, signatures or {}):
        if clue[0] not in [text for text, _ in evidence]:
            evidence.append(clue)
    for marker in sorted(markers):
        evidence.append((f'"{marker}" templates', set(_MARKERS[marker])))
    if not evidence:
        return Detected(REFERENCE_REVISION)
    common = set(REVISIONS)
    for _, fits in evidence:
        common &= fits
    if common:
        chosen = _preferred(common)
        # Revisions that fit equally and judge alike are named together.
        changes = TABLE[(assignment, chosen)].changes
        alike = tuple(sorted(n for n in common if TABLE[(assignment, n)].changes == changes))
        return Detected(chosen, evidence, alike=alike)
    # The clues disagree: the revision most of them fit, and the mixture named.
    score = {name: sum(name in fits for _, fits in evidence) for name in REVISIONS}
    best = max(REVISIONS, key=lambda name: (score[name], name == REFERENCE_REVISION, name))
    odd = [text for text, fits in evidence if best not in fits]
    mixed = (f"it mixes revisions: {', '.join(odd)} "
             f"{'is' if len(odd) == 1 else 'are'} another revision's")
    return Detected(best, evidence, mixed)


def _preferred(names):
    """Among revisions that fit equally, the reference's, else the latest."""
    if REFERENCE_REVISION in names:
        return REFERENCE_REVISION
    return sorted(names)[-1]
