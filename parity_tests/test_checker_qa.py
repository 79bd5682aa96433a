"""The checker on learner files written in styles and with mistakes no other test holds.

Each fixture in ``learner_fixtures/qa/`` is checked once (no whole runs) and
every graded function's verdict is asserted: a right function written another
valid way is right, and a wrong one is wrong whatever its result claims about
itself.
"""

from pathlib import Path

import pytest

from experiments.checker import check_path
from experiments.checker.core import Options

FIXTURES = Path(__file__).resolve().parent / "learner_fixtures" / "qa"
QUICK = Options(runs=None, time_limit=5.0)
_RECORDS = {}


def verdicts(name):
    """``{function: record}`` of one fixture, checked once per session."""
    if name not in _RECORDS:
        records = check_path(FIXTURES / name, options=QUICK, quiet=True)
        _RECORDS[name] = {r.function: r for r in records}
    return _RECORDS[name]


def test_plain_data_in_subclasses_of_the_plain_types_is_read():
    """A defaultdict of grads, an OrderedDict of parameters, a namedtuple cache: all right."""
    found = verdicts("step_plain_subclasses.py")
    assert len(found) == 10
    assert all(r.status == "right" for r in found.values()), \
        [r.line() for r in found.values() if r.status != "right"]


@pytest.mark.parametrize("function, start", [
    ("sigmoid", "sigmoid computes 1 / (1 + e^z)"),
    ("initialize_with_zeros", "w (2, 1) differs: every entry is off by 1"),
    ("propagate", "dw and db are m times too large"),
    ("predict", "Y_prediction is a list"),
    ("optimize", ""),
])
def test_results_are_judged_on_what_they_hold_not_on_what_their_methods_claim(function, start):
    record = verdicts("logreg_lying_containers.py")[function]
    assert record.status == ("right" if function == "optimize" else "wrong"), record.line()
    assert record.message.startswith(start), record.line()


def test_a_float32_cost_is_not_blamed_for_coarse_finite_differences():
    """Centred differences through a float32 cost part from autograd by ~1e-3: not the learner's."""
    found = verdicts("logreg_float32_cost.py")
    assert all(r.status == "right" for r in found.values()), [r.line() for r in found.values()]
    message = found["propagate"].line()
    assert "check propagate" not in message and "float32, too coarse" in message, message


def test_a_function_that_draws_where_the_course_does_not_is_named():
    """Its values are right, but nn_model's weights, drawn after it, are not: the cause is named."""
    found = verdicts("planar_layer_sizes_draws.py")
    assert found["layer_sizes"].status == "wrong"
    assert found["layer_sizes"].message.startswith(
        "it draws from NumPy's random generator, which the course's layer_sizes does not")
    assert found["nn_model"].status == "wrong"
    assert "it calls your layer_sizes, wrong above" in found["nn_model"].message
    others = {name: r.status for name, r in found.items()
              if name not in ("layer_sizes", "nn_model")}
    assert set(others.values()) == {"right"}, others
