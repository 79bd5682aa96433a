"""Judge a learner's course functions, one by one, in four stages.

1. Interface: the course's arguments are accepted; the result has the course's
   types, keys and shapes; the arguments are left untouched where the course's
   function leaves them.
2. Values against the reference (:mod:`scratch.course`) on the course's kind of
   input and on seeded random inputs of other sizes.
3. Gradients of the backward functions against finite differences of the
   learner's own forward and cost, and against torch autograd.
4. Whole runs of the model functions on the course's data against the
   reference's cost curve.

A function stops at its first failure; a wrong one is compared with the
catalogue of typical mistakes (:mod:`experiments.checker.mistakes`).
"""

import contextlib
import copy
import dataclasses
import difflib
import inspect
import io
import re
import time
import warnings
from dataclasses import dataclass

import numpy as np

from experiments.checker import sandbox
from experiments.checker.compare import compare
from experiments.checker import revisions
from experiments.checker.report import NOT_CHECKED, WRONG, Record
from experiments.checker.specs import (ASSIGNMENTS, course_names, file_assignment,
                                       infer_assignments, reference, specs)


@dataclass
class Options:
    """How far to check.

    Attributes
    ----------
    only : sequence of str or None
        Check these function names only.
    assignment : str or None
        Take every function as this assignment's.
    runs : {"short", "full", None}
        Whole runs of the model functions: a few hundred iterations, the course's
        length, or none.
    data_dir : str or None
        Folder of the cat files (default ``$NNDL_DATA_DIR``, then ``./datasets``).
    time_limit : float
        Seconds one call of a learner's function may take (whole runs get more).
    iterations : int or None
        Iterations of the whole runs, instead of the short or the course's length.
    revision : str or None
        The course revision to judge against ("2017-18", "2019-20", "2021", "2024");
        by default recognised from the file.
    """

    only: tuple = None
    assignment: str = None
    runs: str = "short"
    data_dir: str = None
    time_limit: float = 10.0
    iterations: int = None
    revision: str = None


def _reference_call(spec, case):
    args, kwargs = copy.deepcopy((case.args, case.kwargs))
    np.random.seed(case.seed)
    with contextlib.redirect_stdout(io.StringIO()):
        return getattr(reference(spec.assignment), spec.name)(*args, **kwargs)


def _random_state():
    """NumPy's legacy generator's position: (key, position, has a cached gaussian)."""
    _, key, position, has_gauss, gauss = np.random.get_state()
    return key.tobytes(), int(position), int(has_gauss), float(gauss)


def _random_pointer(name, seeded, reference, learner):
    """Why a function whose values are right leaves NumPy's generator elsewhere, or None.

    ``seeded`` is the state after ``np.random.seed(case.seed)``, ``reference``
    and ``learner`` the states after the course's call and the learner's.
    """
    if learner == reference:
        return None
    if reference == seeded:
        return (f"it draws from NumPy's random generator, which the course's {name} does not: "
                "the weights a caller initialises after calling it change")
    return (f"it leaves NumPy's random generator elsewhere than the course's {name} does (it "
            "draws more or fewer numbers, or reseeds): the weights a caller initialises after "
            "calling it change")


def _changed_argument(spec, before, after):
    """The first argument the call changed, as 'parameters["W1"]', or None."""
    names = list(spec.params)
    for index, (b, a) in enumerate(zip(before, after)):
        found = compare(b, a, names[index] if index < len(names) else f"argument {index + 1}")
        if found is not None:
            return found.where
    return None


def _output_name(spec):
    return spec.outputs if isinstance(spec.outputs, str) else "the result"


def _compare_result(spec, expected, got, values=True):
    if isinstance(spec.outputs, tuple):
        if isinstance(got, (tuple, list)) and isinstance(expected, tuple) and \
                len(got) == len(expected):
            for name, e, g in zip(spec.outputs, expected, got):
                found = compare(e, g, name, values)
                if found:
                    return found
            return None
        if not isinstance(got, (tuple, list)):
            return compare(expected, got, f"{spec.name}'s result", values)
    return compare(expected, got, _output_name(spec), values)


def _right_outputs(spec, expected, got):
    """Names of the outputs that agree, for a message about the ones that do not."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return [k for k in expected if k in got and compare(expected[k], got[k], k) is None]
    if isinstance(spec.outputs, tuple) and isinstance(got, (tuple, list)) and \
            len(got) == len(expected):
        return [n for n, e, g in zip(spec.outputs, expected, got) if compare(e, g, n) is None]
    return []


def _learner_functions(namespace, assignment, names):
    """``name -> function`` for the given names: the learner's, else the reference's."""
    out = {}
    for name in names:
        value = namespace.get(name)
        out[name] = value if callable(value) else getattr(reference(assignment), name)
    return out


class _Judge:
    def __init__(self, name, function, assignment, namespace, options, path, known_mistakes=(),
                 submission=None, revision=None, written=None, wrong_before=()):
        base = specs()[(assignment, name)]
        self.revision = revision
        self.change = revisions.change(assignment, revision, name)
        self.spec = dataclasses.replace(
            base, params=self.change.params or base.params,
            outputs=self.change.outputs or base.outputs,
            keeps_args=(base.keeps_args if self.change.keeps_args is None
                        else self.change.keeps_args))
        reference_function = getattr(reference(assignment), name)
        self.reference = (self.change.reference(reference_function) if self.change.reference
                          else reference_function)
        self.submission = submission
        self.known_mistakes = tuple(known_mistakes)
        self.function = function
        self.namespace = namespace
        self.options = options
        # The learner's own functions in this file (None: not known, every name counts).
        self.written = None if written is None else set(written)
        self.wrong_before = tuple(wrong_before)
        self.record = Record(file=path, function=name, assignment=assignment)

    # -- helpers --
    def wrong(self, stage, message, mistake=None):
        if mistake is None:
            callees = [n for n in self.wrong_before if n != self.spec.name
                       and not re.search(rf"\b{re.escape(n)}\b", message) and self.calls(n)]
            if callees:
                message += (f" (it calls your {', '.join(callees)}, wrong above: "
                            "mend that first)")
        self.record.status, self.record.stage, self.record.message = WRONG, stage, message
        self.record.mistake = mistake
        return self.record

    def ignored_argument(self, case, outcome):
        """'it ignores its learning_rate argument' when another value changes nothing, or None.

        Asked of the model functions only (a value written in where the argument belongs).
        """
        if not self.spec.run:
            return None
        args = list(case.args)
        for name, factor in (("learning_rate", 3.0), ("num_iterations", 2)):
            if name not in self.spec.params:
                continue
            index = self.spec.params.index(name)
            if index >= len(args):
                continue
            changed = list(args)
            changed[index] = type(args[index])(args[index] * factor)
            probe, _, _ = self.call(case._replace(args=tuple(changed)))
            if probe.ok and compare(outcome.value, probe.value) is None:
                return (f"it ignores its {name} argument (another value gives the same result): "
                        f"use {name} where a value is written in")
        return None

    def arguments_reordered(self):
        """A line when the function takes the course's arguments in another order, or None.

        The course's tests pass them by position, so two swapped arguments get each
        other's values there (a learning rate as the number of iterations).
        """
        try:
            params = tuple(inspect.signature(self.function).parameters)
        except (TypeError, ValueError):
            return None
        course = self.spec.params
        if params == course or sorted(params) != sorted(course):
            return None
        return (f"takes its arguments in another order than the course's: {self.spec.name}("
                f"{', '.join(params)}) where the course's is ({', '.join(course)}); the course's "
                "tests pass them by position, so each gets the other's value")

    def calls(self, other):
        """Whether this function's code uses the name ``other`` (a callee of the learner's)."""
        names = getattr(self.submission, "function_names", None) or {}
        if self.spec.name in names:
            return other in names[self.spec.name]
        from experiments.checker.mistakes import reaches

        return reaches(self.spec.name, other)

    def reference_call(self, case):
        args, kwargs = copy.deepcopy((case.args, case.kwargs))
        np.random.seed(case.seed)
        with contextlib.redirect_stdout(io.StringIO()):
            return self.reference(*args, **kwargs)

    def call(self, case, time_limit=None):
        args, kwargs = copy.deepcopy((case.args, case.kwargs))
        before = copy.deepcopy(args)
        np.random.seed(case.seed)
        outcome = sandbox.call(self.function, args, kwargs, time_limit or self.options.time_limit)
        if outcome.printed_lines > sandbox.PRINT_LINES_NOTED:
            note = f"it printed {outcome.printed_lines} lines, left out of this report"
            if note not in self.record.notes:
                self.record.notes = [n for n in self.record.notes if not n.startswith("it printed")]
                self.record.notes.append(note)
        return outcome, before, args

    def failed_call(self, stage, outcome, case):
        if outcome.timed_out:
            return self.wrong(stage, f"did not return within {self.options.time_limit:g} s on "
                                     f"{case.label} (an endless loop?)")
        if outcome.problem:  # a limit it hit, or the death of the process running it
            return self.wrong(stage, f"{outcome.problem} on {case.label}")
        unwritten = self.unwritten_callees()
        if unwritten:
            self.record.status = NOT_CHECKED
            self.record.message = (f"it calls {', '.join(unwritten)}, not written yet "
                                   f"({outcome.error})")
            return self.record
        if isinstance(outcome.exception, NameError):
            missing = getattr(outcome.exception, "name", None)
            unparsed = getattr(self.submission, "unparsed_functions", None) or {}
            if missing in unparsed:
                self.record.status = NOT_CHECKED
                self.record.message = f"it needs {missing}, whose {unparsed[missing]}"
                return self.record
            if missing is None or self.a_cell_is_missing(missing):
                self.record.status = NOT_CHECKED
                self.record.message = (
                    f"it needs {missing}, which no cell the checker takes defines ({outcome.error})"
                    if missing else f"it raises {outcome.error}: it needs a name no cell the "
                                    "checker takes defines")
                return self.record
            return self.wrong(stage, f"raises {outcome.error}{self.did_you_mean(missing)}")
        refused = _helper_refusal(outcome.error, self.written, self.spec.name)
        if refused:
            return self.wrong(stage, refused)
        return None

    def unwritten_callees(self):
        unwritten = getattr(self.submission, "unwritten_functions", None) or set()
        return sorted(n for n in unwritten if n != self.spec.name and self.calls(n))

    def a_cell_is_missing(self, missing):
        """Whether a NameError on ``missing`` is for want of a cell or a course file, not a typo.

        It is when the file binds the name in a statement the checker does not run, or
        when the name is one a course file provides (a helper, a data loader).
        """
        if missing in (getattr(self.submission, "untaken_names", None) or set()):
            return True
        return missing in _course_provided_names()

    def did_you_mean(self, missing):
        """"; did you mean 'dw'?" from the function's own names and the file's, or ''."""
        names = set((getattr(self.submission, "function_names", None) or {})
                    .get(self.spec.name, ()))
        names |= {k for k in self.namespace if isinstance(k, str) and not k.startswith("__")}
        names |= set(getattr(self.submission, "functions", None) or ())
        names.discard(missing)
        same_letters = sorted(n for n in names if n.lower() == missing.lower())
        found = same_letters or difflib.get_close_matches(missing, sorted(names), n=1,
                                                          cutoff=0.75)
        return f"; did you mean {found[0]!r}?" if found else ""

    def diagnosis(self, cases, outcomes, expected):
        from experiments.checker.mistakes import diagnose

        if self.change.adapt_args or self.change.reference or self.change.outputs:
            return None  # the catalogue's compositions are the 2021 revision's
        return diagnose(self.spec.assignment, self.spec.name, cases, outcomes, expected,
                        prefer=self.known_mistakes, written=self.written)

    # -- the stages --
    def judge(self):
        spec = self.spec
        cases = spec.cases()
        if self.change.adapt_args:
            cases = [case._replace(args=self.change.adapt_args(case.args)) for case in cases]
        reordered = self.arguments_reordered()
        if reordered:
            return self.wrong("interface", reordered)
        try:
            signature = inspect.signature(self.function)
            for case in cases:
                signature.bind(*case.args, **case.kwargs)
        except TypeError as exc:
            return self.wrong("interface", f"does not take the course's arguments "
                                           f"{spec.name}({', '.join(spec.params)}): {exc}")
        except ValueError:
            pass
        expected, states = [], []
        for case in cases:
            expected.append(self.reference_call(case))
            after_reference = _random_state()
            np.random.seed(case.seed)
            states.append((_random_state(), after_reference))

        # Run every case (stopping at an endless loop) so that a mistake can be matched on all.
        outcomes, changed = [], None
        for case in cases:
            outcome, before, after = self.call(case)
            states[len(outcomes)] += (_random_state(),)
            if outcome.ok and self.change.normalise:
                outcome.value = self.change.normalise(outcome.value)
            outcomes.append(outcome)
            if outcome.ok and spec.keeps_args and changed is None:
                changed = _changed_argument(spec, before, after)
            if outcome.timed_out or outcome.problem:
                break
        outcomes += [None] * (len(cases) - len(outcomes))

        # 1. interface, on the course's kind of input
        first = outcomes[0]
        if not first.ok:
            verdict = self.failed_call("interface", first, cases[0])
            if verdict is not None and verdict.status == NOT_CHECKED:
                return verdict
            mistake = None if first.timed_out else self.diagnosis(cases, outcomes, expected)
            if mistake:
                return self.wrong("interface", mistake.message, mistake.key)
            if verdict is not None:
                return verdict
            return self.wrong("interface", f"raises {first.error} on {cases[0].label}")
        difference = _compare_result(spec, expected[0], first.value, values=False)
        if difference is not None:
            mistake = self.diagnosis(cases, outcomes, expected)
            if mistake:
                return self.wrong("interface", mistake.message, mistake.key)
            return self.wrong("interface", difference.text)
        if changed is not None:
            return self.wrong("interface", f"it changes its argument {changed} in place; the "
                                           "course's leaves the caller's arrays untouched "
                                           "(work on copies: W = W - learning_rate * dW)")

        # 2. values
        for case, outcome, exp in zip(cases, outcomes, expected):
            if outcome is None:
                break
            if not outcome.ok:
                verdict = self.failed_call("values", outcome, case)
                if verdict is not None and verdict.status == NOT_CHECKED:
                    return verdict
                mistake = None if outcome.timed_out else self.diagnosis(cases, outcomes, expected)
                if mistake:
                    return self.wrong("values", mistake.message, mistake.key)
                if verdict is not None:
                    return verdict
                return self.wrong("values", f"raises {outcome.error} on {case.label}")
            difference = _compare_result(spec, exp, outcome.value)
            if difference is not None:
                mistake = self.diagnosis(cases, outcomes, expected)
                if mistake:
                    return self.wrong("values", mistake.message, mistake.key)
                pointer = (self.ignored_argument(case, outcome)
                           or _layer_pointer(exp, outcome.value)
                           or _step_pointer(spec, case, exp, outcome.value))
                message = f"{pointer or difference.text} (on {case.label})"
                right = _right_outputs(spec, exp, outcome.value)
                if right:
                    message += f"; {', '.join(right)} right"
                others = [w for w in _wrong_outputs(exp, outcome.value, _output_name(spec))
                          if w != difference.where]
                if others and right:
                    message += f"; {', '.join(others)} differ{'s' if len(others) == 1 else ''} too"
                return self.wrong("values", message)

        for case, outcome, state in zip(cases, outcomes, states):
            pointer = outcome is not None and outcome.ok and len(state) == 3 and \
                _random_pointer(spec.name, *state)
            if pointer:
                return self.wrong("values", f"{pointer} (on {case.label})")

        # 3. gradients
        if spec.gradient:
            wrong, message = self.gradients(cases, outcomes)
            if wrong:
                return self.wrong("gradients", message)
            if message:
                self.record.notes.append(message)

        # 4. whole runs
        if spec.run and self.options.runs:
            self.whole_run()
        return self.record

    def gradients(self, cases, outcomes):
        from experiments.checker import oracles

        names = oracles.FORWARDS[self.spec.gradient]
        if self.spec.gradient == "propagate":
            functions = {"propagate": self.function}
        else:
            functions = _learner_functions(self.namespace, self.spec.assignment, names)
            for other in names:
                change = revisions.change(self.spec.assignment, self.revision, other)
                if change.adapt_args and other in (self.written or ()):
                    # The learner's own, in its revision's form (compute_cost(A2, Y, parameters)).
                    functions[other] = (lambda *args, f=functions[other], adapt=change.adapt_args:
                                        f(*adapt(args)))
        shown = " and ".join(names)
        for case, outcome in zip(cases, outcomes):
            result = {}

            def check_case():
                coarse = set()
                result["found"] = oracles.judge_gradients(
                    oracles.gradient_oracles(self.spec.gradient, case, outcome.value, functions,
                                             coarse=coarse),
                    shown, coarse=coarse)

            run = sandbox.call(check_case, time_limit=max(self.options.time_limit, 30))
            if run.timed_out:
                return False, f"finite differences through your {shown} did not finish in time"
            if not run.ok:
                return False, f"finite differences through your {shown} not taken: {run.error}"
            if result.get("found"):
                wrong, text = result["found"]
                return wrong, f"{text} (on {case.label})"
        return False, None

    def whole_run(self):
        from experiments.checker import oracles
        from scratch.errors import DatasetNotFoundError

        kind = self.spec.run
        setting = oracles.RUNS[kind]
        try:
            data = oracles.load_run_data(kind, self.options.data_dir, self.options.runs)
        except DatasetNotFoundError:
            self.record.notes.append(
                "whole run on the cat images not checked: the course's cat files were not "
                "found (set NNDL_DATA_DIR or pass --data-dir)")
            return
        iterations = self.options.iterations or (
            setting.full if self.options.runs == "full" else setting.short)
        args, kwargs = oracles.run_call(kind, iterations, data)
        returns_costs = kind != "planar" and not self.change.outputs
        if not returns_costs:
            kwargs["print_cost"] = True  # its costs are only printed: read them there
        # Called by position, as the course's tests call it.
        args, kwargs = _by_position(self.spec.params, args, kwargs)
        with _blas_threads(WHOLE_RUN_BLAS_THREADS):
            np.random.seed(1)
            start = time.perf_counter()
            reference_run = sandbox.call(self.reference, copy.deepcopy(args), dict(kwargs),
                                         time_limit=3600)
            seconds = time.perf_counter() - start
            limit = max(60.0, 20 * seconds)
            np.random.seed(1)
            outcome = sandbox.call(self.function, copy.deepcopy(args), dict(kwargs),
                                   time_limit=limit)
        where = "the flower" if setting.data == "flower" else "the cat images"
        length = f"{iterations} iterations on {where}"
        if data_note := getattr(data, "note", None):
            length += f" ({data_note})"
        if outcome.timed_out:
            return self.wrong("run", f"{length}: did not finish within {limit:.0f} s")
        if not outcome.ok:
            return self.wrong("run", f"{length}: {outcome.problem or 'raises ' + outcome.error}")
        if returns_costs:
            expected = oracles.recorded_costs(kind, reference_run.value, reference_run.printed)
            try:
                got = oracles.recorded_costs(kind, outcome.value, outcome.printed)
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                return self.wrong("run", f"{length}: its recorded costs cannot be read ({exc})")
            if len(got) != len(expected):
                return self.wrong("run", f"{length}: {len(got)} costs recorded where the "
                                         f"reference records {len(expected)}")
        else:
            # Printing is not graded: the printed costs are compared where both print them.
            expected = dict(oracles.printed_costs(reference_run.printed))
            printed = dict(oracles.printed_costs(outcome.printed))
            common = sorted(set(expected) & set(printed))
            expected = [(i, expected[i]) for i in common]
            got = [(i, printed[i]) for i in common]
            if not common:
                self.record.notes.append(
                    "it printed no \"Cost after iteration i: J\" line the checker can read, so "
                    "its returned parameters were compared, not its costs")
        # At learning rate 1.2 the flower's cost rises for a while near iteration 7800, and
        # there the rounding differences of any two correct implementations (a cost from A or
        # from Z, another summation order) grow to about 1e-4 before they shrink again: a
        # planar run is judged on its recorded costs, to a relative 1e-3
        # (oracles.RUN_TOLERANCE_LOOSE), and not on its final weights.
        # Printed costs have six decimals. Every catalogued mistake parts by far more, and
        # far earlier.
        loose = kind == "planar" or not returns_costs
        rtol, atol = oracles.RUN_TOLERANCE_LOOSE if loose else oracles.RUN_TOLERANCE
        parting = oracles.first_parting(expected, got, rtol=rtol, atol=atol)
        if parting:
            iteration, e, g = parting
            return self.wrong("run", f"{length}: the cost parts from the reference's at "
                                     f"iteration {iteration}: {g:.6f} where the reference has "
                                     f"{e:.6f}")
        # A planar run with readable costs is judged on them (see above), its weights on their
        # shapes; without them, on its weights to 1e-3.
        final = _final_difference(kind, reference_run.value, outcome.value,
                                  values=kind != "planar" or not got)
        if final is not None:
            return self.wrong("run", f"{length}: the costs agree but {final.text}"
                              if got else f"{length}: {final.text}")
        self.record.notes.append(f"same {'costs' if got else 'parameters'} as the reference "
                                 f"over {length}")
        return self.record


def _wrong_outputs(expected, got, where):
    """Names of the entries of a dict result that differ (``d["w"]``), in order."""
    from experiments.checker.compare import child

    if isinstance(expected, dict) and isinstance(got, dict):
        name = where if where != "the result" else ""
        return [child(name, k) for k in expected
                if k in got and compare(expected[k], got[k], k) is not None]
    return []


def _layer_pointer(expected, got):
    """Which layers' gradients differ, and where to look, for a dict of dW1, db1, ...; or None.

    When the last layers are right and the ones below are wrong, the mistake is in the
    step back from the last right layer: dZ[l] = W[l+1].T dZ[l+1] * g'(Z[l]).
    """
    if not (isinstance(expected, dict) and isinstance(got, dict)):
        return None
    layers, differing = {}, []
    for key in expected:
        if key[:2] in ("dW", "db") and key[2:].isdigit() and key in got:
            same = compare(expected[key], got[key], key) is None
            layers.setdefault(int(key[2:]), []).append(same)
            if not same:
                differing.append(key)
    if len(layers) < 2:
        return None
    wrong = sorted(l for l, oks in layers.items() if not all(oks))
    right = sorted(l for l, oks in layers.items() if all(oks))
    if not wrong or not right or max(wrong) > min(right):
        return None
    k = max(wrong)
    named = ", ".join(differing)
    if f"db{k}" not in differing:
        # db[k] comes from dZ[k] alone, and it is right: dZ[k] is, and dW[k]'s own step is not.
        return (f"{named} differ{'s' if len(differing) == 1 else ''} while db{k} and layer "
                f"{k + 1}'s gradients are right: look at dW{k} = np.dot(dZ{k}, A{k - 1}.T) / m")
    return (f"{named} differ{'s' if len(differing) == 1 else ''} while layer {k + 1}'s gradients "
            f"are right: look at the step back to dZ{k} = np.dot(W{k + 1}.T, dZ{k + 1}) * "
            f"g'(Z{k})")


def _step_pointer(spec, case, expected, got):
    """For an update: a parameter left as it was, or moved a multiple of the course's step."""
    if spec.name != "update_parameters" or not (isinstance(expected, dict)
                                                and isinstance(got, dict)):
        return None
    before = case.args[0]
    for key in expected:
        if key not in got or key not in before or compare(expected[key], got[key]) is None:
            continue
        old, e, g = (np.asarray(v, dtype=np.float64)
                     for v in (before[key], expected[key], got[key]))
        if e.shape != g.shape:
            return None
        if np.allclose(g, old):
            return f'parameters["{key}"] is not updated: it comes back as it was passed in'
        step_e, step_g = e - old, g - old
        nonzero = np.abs(step_e) > 1e-12
        if nonzero.any():
            ratios = step_g[nonzero] / step_e[nonzero]
            if np.allclose(ratios, ratios.flat[0], rtol=1e-6):
                c = float(ratios.flat[0])
                rate = ""
                if "learning_rate" in spec.params:
                    index = spec.params.index("learning_rate")
                    value = case.args[index] if index < len(case.args) else None
                    if value is None:
                        default = spec.params and inspect.signature(
                            getattr(reference(spec.assignment), spec.name)).parameters[
                            "learning_rate"].default
                        value = default if default is not inspect.Parameter.empty else None
                    if value is not None:
                        rate = (f": is learning_rate {c * value:g} where the course's is "
                                f"{value:g}?")
                return f'parameters["{key}"] moves {c:.4g} times the course\'s step{rate}'
        return None
    return None


# BLAS threads during the whole runs. Their products are small (W1 @ X with 12288 rows and at
# most 209 columns), and on a shared 2-core machine a second OpenBLAS thread that waits for a
# core made an application notebook's check take 59 s where one thread took 5 s (back to
# back, load average 3); on an idle machine the two take about the same time.
WHOLE_RUN_BLAS_THREADS = 1


def _blas_threads(threads):
    """A context that limits NumPy's BLAS to ``threads`` threads (None: no limit)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn's dependency; without it, BLAS keeps its threads
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def _by_position(params, args, kwargs):
    """``(args, kwargs)`` with the keyword arguments that follow ``args`` moved to positions."""
    args, kwargs = list(args), dict(kwargs)
    for name in params[len(args):]:
        if name not in kwargs:
            break
        args.append(kwargs.pop(name))
    return tuple(args), kwargs


def _final_difference(kind, expected, got, values=True):
    """The difference of a whole run's final parameters (or model dict), or None."""
    if kind == "logistic_regression":
        return compare(expected, got, "d")
    expected = expected[0] if isinstance(expected, tuple) else expected
    got = got[0] if isinstance(got, tuple) and kind != "planar" else got
    if kind == "planar" and values and isinstance(expected, dict) and isinstance(got, dict):
        # Compared to the run's own accuracy: 1e-3, as its costs (see whole_run).
        found = compare(expected, got, "parameters", values=False)
        if found is not None:
            return found
        for key in expected:
            if not np.allclose(got[key], expected[key], rtol=1e-3, atol=1e-5, equal_nan=True):
                return compare(expected[key], got[key], f'parameters["{key}"]')
        return None
    return compare(expected, got, "parameters", values=values and kind != "planar")


def _helper_refusal(error, written, name):
    """A line for a shape error raised inside a course helper the learner did not write, or None.

    ``"ShapeError: compute_cost: Y must have shape (4, 8), got (1, 8)"`` is the
    helper's complaint about what the learner's code passed it, not about Y.
    """
    prefix = next((p for p in ("ShapeError: ", "scratch.errors.ShapeError: ")
                   if error and error.startswith(p)), None)
    if prefix is None:
        return None
    helper, _, complaint = error[len(prefix):].partition(": ")
    if not complaint or helper == name or (written is not None and helper in written) \
            or helper not in course_names():
        return None
    return (f"what it passes to the course's {helper} does not fit together ({complaint}): "
            "check the arrays it builds before that call (a shape, an argument order); "
            f"{helper} itself is the course's")


_PROVIDED = None


def _course_provided_names():
    """Names a course file provides: the functions, their helper modules', the data loaders."""
    global _PROVIDED
    if _PROVIDED is None:
        from experiments.checker.loader import _helper_modules

        names = set(course_names())
        for provided in _helper_modules().values():
            names |= set(provided)
        names |= {"load_dataset", "load_data", "load_planar_dataset", "load_extra_datasets",
                  "plot_decision_boundary", "print_mislabeled_images", "layer_sizes_test_case",
                  "np", "plt", "h5py", "copy", "math", "scipy", "sklearn", "time"}
        _PROVIDED = names
    return _PROVIDED

def _behaves_as(name, function, assignment):
    """Whether ``function`` returns what ``assignment``'s ``name`` returns on its first input."""
    spec = specs()[(assignment, name)]
    case = spec.cases()[0]
    state = np.random.get_state()
    try:
        expected = _reference_call(spec, case)
        args, kwargs = copy.deepcopy((case.args, case.kwargs))
        np.random.seed(case.seed)
        outcome = sandbox.call(function, args, kwargs, time_limit=2.0)
    finally:
        np.random.set_state(state)
    return outcome.ok and _compare_result(spec, expected, outcome.value) is None


def check_functions(functions, namespace, options=None, path="notebook", submission=None):
    """Judge every course function among ``functions``, as one assignment of one revision.

    Parameters
    ----------
    functions : dict
        ``name -> function`` as the learner defined them.
    namespace : dict
        Where those functions find each other (the notebook's globals).
    options : Options, optional
    path : str
        Shown in the records.
    submission : experiments.checker.loader.Submission, optional
        The file the functions came from (its imports, the names it binds elsewhere,
        the functions in cells that do not parse, those still the empty template).

    Returns
    -------
    list of Record
        One per course function found, in the order they were defined; a course
        function whose cell does not parse is wrong, one still the template is
        "not written yet", one named as another assignment's is a helper of the
        learner's. Every record carries the revision the file was judged as.
    """
    options = options or Options()
    if options.assignment is not None and options.assignment not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {options.assignment!r}; choose one of: "
                         f"{', '.join(ASSIGNMENTS)}")
    if options.revision is not None and options.revision not in revisions.REVISIONS:
        raise ValueError(f"unknown revision {options.revision!r}; choose one of: "
                         f"{', '.join(revisions.REVISIONS)}")
    unparsed = dict(getattr(submission, "unparsed_functions", None) or {})
    unwritten = set(getattr(submission, "unwritten_functions", None) or ())
    if options.only:
        functions = {k: v for k, v in functions.items() if k in options.only}
        unparsed = {k: v for k, v in unparsed.items() if k in options.only}
    functions = {k: v for k, v in functions.items() if k not in unparsed}
    every = {**functions, **{name: None for name in unparsed}}
    owners = infer_assignments(every, options.assignment, probe=_behaves_as)
    main = options.assignment or file_assignment(every) or next(iter(owners.values()), None)
    detected = None
    if main is not None:
        signatures = {}
        for name, function in functions.items():
            with contextlib.suppress(TypeError, ValueError):
                signatures[name] = tuple(inspect.signature(function).parameters)
        detected = revisions.detect(main, getattr(submission, "imports", None) or (),
                                    signatures, forced=options.revision,
                                    markers=getattr(submission, "template_markers", None) or ())
    written = set(functions) if submission is not None else None
    records = []
    state = np.random.get_state()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for name, function in every.items():
                if name not in owners:
                    if options.assignment is None and main is not None and name in course_names():
                        records.append(Record(
                            file=path, function=name, status=NOT_CHECKED,
                            message=f"a helper here ({name} is graded in "
                                    f"{' and '.join(course_names()[name])}, not in {main})"))
                    continue
                if name in unparsed:
                    records.append(Record(file=path, function=name, assignment=owners[name],
                                          status=WRONG, stage="interface",
                                          message=f"{unparsed[name]}: the function is not "
                                                  "defined until that cell parses"))
                    continue
                if name in unwritten:
                    records.append(Record(file=path, function=name, assignment=owners[name],
                                          status=NOT_CHECKED, message="not written yet"))
                    continue
                known = [r.mistake for r in records if r.mistake]
                wrong_before = [r.function for r in records if r.status == WRONG]
                records.append(_Judge(name, function, owners[name], namespace, options,
                                      path, known, submission,
                                      revision=detected.name if detected else None,
                                      written=written, wrong_before=wrong_before).judge())
    finally:
        np.random.set_state(state)
    if detected is not None:
        for record in records:
            record.revision, record.revision_note = detected.name, detected.line()
    return records
