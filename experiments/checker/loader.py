"""Read a learner's notebook or module without running it.

Only the definitions are taken: imports, top-level ``def`` statements and simple
constant assignments (``layers_dims = [12288, 20, 7, 5, 1]``), parsed with
:mod:`ast` from each code cell. Nothing else runs: no data loading, no training,
no ``%magic`` or ``!shell`` line, no test call. A cell that does not parse is
recorded by number and the other cells are still taken.

The course's notebooks import helpers shipped beside them (``dnn_utils``,
``dnn_app_utils_v3``, ``planar_utils``, ``testCases``, ...). Those files are not
part of the learner's work and are usually not where the checker runs, so the
helpers the learner's functions call are given from this project's reference
(:mod:`scratch.course`) and the rest of those imports are skipped.
"""

import ast
import builtins
import io
import json
import os
import re
import sys
import tokenize
import types
from dataclasses import dataclass, field
from pathlib import Path

# Cell magics whose body is still Python; any other ``%%magic`` cell is not Python at all.
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun", "debug")


class LoadError(Exception):
    """The path cannot be checked at all (missing, unreadable, not a notebook or module)."""


@dataclass
class Submission:
    """What one learner file defines.

    Attributes
    ----------
    path : str
        The file, as given.
    namespace : dict
        The file's names as seen from the checker: each function it defines or
        imports from a course helper as a proxy
        (:class:`experiments.checker.sandbox.LearnerFunction`), and its constants.
    functions : dict
        ``name -> proxy`` for every top-level function the file defines, in order.
    problems : list of str
        One line per cell (or statement) that could not be taken, e.g. a cell
        that does not parse.
    skipped_imports : list of str
        Imports that failed or were left out (the course's test helpers).
    imports : list of str
        Every module the file imports at top level, in order (``"dnn_app_utils_v3"``,
        ``"numpy"``, ...), taken or not: what tells one course revision from another.
    untaken_names : set of str
        Top-level names the file binds in statements the checker does not run
        (``X, Y = load_planar_dataset()``): a learner's function that needs one of
        them fails for want of a cell, not by its own mistake.
    unparsed_functions : dict
        ``name -> where`` for the functions a cell that does not parse defines.
    unwritten_functions : set of str
        Functions still the course's empty template (see :func:`_is_unwritten`).
    function_names : dict
        ``name -> set of str``: the names each function's code uses or binds.
    template_markers : set of str
        The course's template markers the file holds: "START CODE HERE" (up to
        2020) and "YOUR CODE STARTS HERE" (since 2021); they tell revisions apart.
    """

    path: str
    namespace: dict
    functions: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    skipped_imports: list = field(default_factory=list)
    imports: list = field(default_factory=list)
    untaken_names: set = field(default_factory=set)
    unparsed_functions: dict = field(default_factory=dict)
    unwritten_functions: set = field(default_factory=set)
    function_names: dict = field(default_factory=dict)
    template_markers: set = field(default_factory=set)
    session: object = None

    def close(self):
        """End the worker process that runs this file's functions (if any)."""
        if self.session is not None:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# Where the course's templates put the learner's code: between these two markers
# ("### START CODE HERE ###" up to 2020, "# YOUR CODE STARTS HERE" since 2021).
_TEMPLATE_REGION = re.compile(
    r"#+\s*(?:YOUR CODE STARTS HERE|START CODE HERE)[^\n]*\n(.*?)#+\s*(?:YOUR CODE ENDS HERE|"
    r"END CODE HERE)", re.S)
_PLACEHOLDER_LINE = re.compile(r"^\s*(#.*|pass|\.\.\.|[^=#\n]+=\s*None\s*(#.*)?|"
                               r"raise NotImplementedError(\(.*\))?)?\s*$")


def _unparsed_function_names(code):
    """Names of the functions a cell that does not parse starts to define (``def NAME(``)."""
    return re.findall(r"^def\s+([A-Za-z_]\w*)\s*\(", code, flags=re.M)


def _is_unwritten(node, code):
    """Whether a function is still the course's empty template.

    Its template regions (between ``YOUR CODE STARTS HERE`` and ``YOUR CODE ENDS
    HERE``) hold only blank lines, comments, ``pass`` and ``name = None``; without
    such markers, its body is only a docstring, ``pass`` and ``name = None``.
    """
    segment = ast.get_source_segment(code, node) or ""
    regions = _TEMPLATE_REGION.findall(segment)
    if regions:
        return all(_PLACEHOLDER_LINE.match(line) for region in regions
                   for line in region.splitlines())
    for statement in node.body:
        if isinstance(statement, ast.Pass) or (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
            continue
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant) \
                and statement.value.value is None:
            continue
        return False
    return True


def _names_in(node):
    """Every name a function's code uses or binds, its arguments included (for "did you mean")."""
    names = {arg.arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg)}
    names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    return names


def _helper_modules():
    """The course's helper modules, by name, as ``name -> {attribute: object}`` (lazily)."""
    from scratch.course import deep_application as app
    from scratch.course import deep_step_by_step as step
    from scratch.course import logistic_regression as logreg

    activations = {name: getattr(step, name)
                   for name in ("sigmoid", "relu", "sigmoid_backward", "relu_backward")}
    app_helpers = {name: getattr(step, name) for name in step.__all__}

    app_helpers["initialize_parameters_deep"] = app.initialize_parameters_deep
    app_helpers["predict"] = app.predict
    planar_helpers = {"sigmoid": logreg.sigmoid}
    return {
        "dnn_utils": activations,
        "dnn_utils_v2": activations,
        "dnn_app_utils": app_helpers,
        "dnn_app_utils_v2": app_helpers,
        "dnn_app_utils_v3": app_helpers,
        "planar_utils": planar_helpers,
    }


# Imported by the course's notebooks but only for their test cells, figures or data loading.
SKIPPED_MODULE_PREFIXES = (
    "testCases", "testcases", "public_tests", "test_utils", "lr_utils", "outputs", "dlai_tools",
    "IPython", "google.colab",
)


def _ipython_only(line):
    """Whether a line is IPython syntax rather than Python: a magic, a shell line, a help query."""
    head = line.strip()
    if not head or head.startswith("#"):
        return False
    if head.startswith(("%", "!", "?")) or head.endswith("?"):
        return True
    # x = !ls, files = %sx ls: IPython's assignments from a shell or a magic.
    return bool(re.match(r"^[\w\s.,()\[\]]+=\s*[!%]", head))


def _strip_magics(source):
    """The cell's source with IPython-only lines blanked; None for a non-Python cell magic."""
    lines = source.splitlines()
    stripped = lines[0].lstrip() if lines else ""
    if stripped.startswith("%%"):
        magic = stripped[2:].split()[0] if stripped[2:].split() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return None
        lines[0] = ""
    # Blank rather than delete, so that line numbers in messages stay the cell's own.
    return "\n".join("" if _ipython_only(line) else line for line in lines)


def _is_constant(node):
    """Whether an expression is a literal (numbers, strings, lists/tuples/dicts of them)."""
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _wanted(node):
    """Whether a top-level statement is taken: an import, a def, a constant assignment."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
        return True
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) for t in node.targets) and (
            _is_constant(node.value) or isinstance(node.value, ast.Lambda))
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.value is not None and \
            _is_constant(node.value)
    return False


def _bound_names(node):
    """The top-level names a statement binds (assignment targets, defs, classes, loops, with)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    return {name.id for target in targets for name in ast.walk(target)
            if isinstance(name, ast.Name)}


def _read_text(path):
    """A file's text, decoded as Python decodes a module (a BOM, a coding line) or as JSON."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        if str(path).endswith(".ipynb"):
            return data.decode("utf-8-sig")
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path}: not a text file in its declared encoding ({exc.reason} at "
                        f"byte {exc.start})") from None
    except (SyntaxError, LookupError) as exc:
        raise LoadError(f"{path}: {exc}") from None


def _read_cells(path):
    """The code cells of a notebook (list of source strings), or the whole module as one."""
    text = _read_text(path)
    if str(path).endswith(".ipynb"):
        try:
            notebook = json.loads(text)
            if "cells" in notebook:
                cells, key = notebook["cells"], "source"
            else:  # nbformat 3: worksheets of cells whose code is under "input"
                cells = [cell for sheet in notebook["worksheets"] for cell in sheet["cells"]]
                key = "input"
            if not isinstance(cells, list):
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            raise LoadError(f"{path}: not a Jupyter notebook (no JSON 'cells' list)") from None
        sources = []
        for cell in cells:
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                sources.append(None)
                continue
            source = cell.get(key, cell.get("source", ""))
            sources.append("".join(map(str, source)) if isinstance(source, list) else str(source))
        return sources, "cell"
    return [text], None


def _bind_helper(namespace, node, helpers, skipped):
    """Handle an import of a course helper module; True when it was one (or a skipped one)."""
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if module in helpers:
            provided = helpers[module]
            for alias in node.names:
                if alias.name == "*":
                    namespace.update(provided)
                elif alias.name in provided:
                    namespace[alias.asname or alias.name] = provided[alias.name]
            return True
        if module.startswith(SKIPPED_MODULE_PREFIXES):
            skipped.append(f"from {module} import ...")
            return True
        return False
    handled = False
    for alias in node.names:
        if alias.name in helpers:
            module = types.ModuleType(alias.name)
            module.__dict__.update(helpers[alias.name])
            namespace[alias.asname or alias.name] = module
            handled = True
        elif alias.name.startswith(SKIPPED_MODULE_PREFIXES):
            skipped.append(f"import {alias.name}")
            handled = True
    return handled


def parse(path):
    """Read a learner's file and choose the statements to take, running nothing.

    Returns
    -------
    (Submission, dict)
        The submission with its problems, imports, untaken names and constants
        (no functions yet), and the plan a worker executes (:func:`define`).

    Raises
    ------
    LoadError
        The file does not exist or is not a notebook / readable module.
    """
    path = str(path)
    if not os.path.isfile(path):
        raise LoadError(f"{path}: no such file")
    sources, unit = _read_cells(path)
    submission = Submission(path=path, namespace={})
    cells = []
    for number, source in enumerate(sources, start=1):
        if source is None:
            continue
        where = f"cell {number}" if unit else os.path.basename(path)
        code = _strip_magics(source) if unit else source
        submission.template_markers.update(
            marker for marker in ("YOUR CODE STARTS HERE", "START CODE HERE") if marker in source)
        if code is None or not code.strip():
            continue
        try:
            tree = ast.parse(code, filename=where)
        except SyntaxError as exc:
            detail = f"line {exc.lineno}: {exc.msg}" if exc.lineno else exc.msg
            submission.problems.append(f"{where} does not parse ({detail}); "
                                       "its definitions were not checked")
            for name in _unparsed_function_names(code):
                submission.unparsed_functions[name] = f"{where} does not parse ({detail})"
            continue
        except (RecursionError, MemoryError):
            submission.problems.append(f"{where} is nested too deeply for Python to read; "
                                       "its definitions were not checked")
            continue
        taken = []
        for index, node in enumerate(tree.body):
            if isinstance(node, ast.Import):
                submission.imports += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                submission.imports.append(node.module)
            if not _wanted(node):
                submission.untaken_names.update(_bound_names(node))
                continue
            taken.append(index)
            if isinstance(node, ast.FunctionDef):
                submission.function_names[node.name] = _names_in(node)
                submission.unparsed_functions.pop(node.name, None)
                if _is_unwritten(node, code):
                    submission.unwritten_functions.add(node.name)
                else:
                    submission.unwritten_functions.discard(node.name)
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and \
                    not isinstance(node.value, ast.Lambda):
                value = ast.literal_eval(node.value)
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    submission.namespace[target.id] = value
        if taken:
            cells.append((where, code, taken))
    plan = {"path": path, "folder": os.path.dirname(os.path.abspath(path)), "cells": cells}
    return submission, plan


def load(path, limits=None):
    """Take the definitions of a learner's ``.ipynb`` or ``.py`` file, in a worker process.

    The file is parsed here; its taken statements run only in a fresh worker
    (:class:`experiments.checker.sandbox.Session`), and its functions come back
    as proxies that call it there. Close the submission (``submission.close()``)
    to end the worker.

    Parameters
    ----------
    path : str or os.PathLike
    limits : experiments.checker.sandbox.Limits, optional

    Returns
    -------
    Submission

    Raises
    ------
    LoadError
        The file does not exist or is not a notebook / readable module.
    """
    from experiments.checker import sandbox

    submission, plan = parse(path)
    session = sandbox.Session(plan, plan["folder"], limits)
    try:
        functions, names = sandbox.proxies(session)
    except sandbox.WorkerProblem as exc:
        session.close()
        submission.problems.append(f"{exc}; its functions were not checked")
        return submission
    submission.session = session
    submission.functions = functions
    submission.namespace.update(names)
    submission.problems += session.loaded.problems
    submission.skipped_imports += session.loaded.skipped_imports
    return submission


# -- in the worker process ------------------------------------------------------------------------
_NOT_LEARNERS = frozenset(getattr(sys, "stdlib_module_names", ())) | {
    "numpy", "scipy", "matplotlib", "sklearn", "h5py", "PIL", "pandas", "torch", "IPython"}


def _describe_signature(function):
    """``[(name, kind, default kind, default)]`` for a proxy's ``__signature__``."""
    import inspect
    import pickle

    from experiments.checker import sandbox

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    described = []
    for parameter in parameters:
        if parameter.default is inspect.Parameter.empty:
            described.append((parameter.name, parameter.kind.name, None, None))
            continue
        try:
            sandbox.loads(pickle.dumps(parameter.default))
            described.append((parameter.name, parameter.kind.name, "value", parameter.default))
        except Exception:  # noqa: BLE001 - not plain data: shown by its text
            try:
                text = repr(parameter.default)[:200]
            except Exception:  # noqa: BLE001
                text = "..."
            described.append((parameter.name, parameter.kind.name, "text", text))
    return described


def define(plan):
    """Run a plan's taken statements (in the worker); ``(namespace, description)``.

    The description holds the defined functions' names in order, every
    function's signature (``callables``), the problems and the skipped imports.
    """
    from experiments.checker.sandbox import call_here

    path = plan["path"]
    time_limit = plan.get("time_limit", 10.0)
    namespace = {"__name__": "learner", "__file__": path, "__builtins__": builtins}
    info = {"functions": [], "problems": [], "skipped_imports": [], "callables": {}}
    helpers = None
    folder = plan["folder"]
    if folder not in sys.path:
        sys.path.insert(0, folder)
    for where, code, taken in plan["cells"]:
        try:
            tree = ast.parse(code, filename=where)
        except (SyntaxError, RecursionError, MemoryError):
            continue
        for index in taken:
            node = tree.body[index]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if helpers is None:
                    helpers = _helper_modules()
                if _bind_helper(namespace, node, helpers, info["skipped_imports"]):
                    continue
            if isinstance(node, ast.FunctionDef):
                # Decorators could run anything; the course's functions have none.
                node.decorator_list = []
            module = ast.Module(body=[node], type_ignores=[])
            try:
                compiled = compile(module, where, "exec")
            except (RecursionError, MemoryError, SyntaxError, ValueError):
                info["problems"].append(f"{where}, line {node.lineno}: nested too deeply for "
                                        "Python to compile; not taken")
                continue
            # Each statement under the time limit (a default argument may loop, print or exit);
            # an import (matplotlib on a busy machine) gets a minute.
            limit = max(60.0, time_limit) if isinstance(node, (ast.Import, ast.ImportFrom)) \
                else time_limit
            ran = call_here(exec, (compiled, namespace), None, limit, catch_exits="all")
            if ran.timed_out:
                info["problems"].append(f"{where}, line {node.lineno}: did not finish within "
                                        f"{limit:g} s; not taken")
            elif isinstance(ran.exception, ImportError):
                info["skipped_imports"].append(f"{ast.unparse(node)} ({ran.exception})")
            elif ran.exception is not None:
                exc = ran.exception
                info["problems"].append(
                    f"{where}, line {node.lineno}: {type(exc).__name__}: {exc}")
            else:
                name = node.name if isinstance(node, ast.FunctionDef) else (
                    node.targets[0].id if isinstance(node, ast.Assign) and
                    isinstance(node.value, ast.Lambda) else None)
                if name is not None and callable(namespace.get(name)):
                    if name in info["functions"]:
                        info["functions"].remove(name)
                    info["functions"].append(name)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                    for target in node.targets:
                        namespace[target.id].__name__ = target.id
    for name, value in list(namespace.items()):
        if name.startswith("__") or not isinstance(value, types.FunctionType):
            continue
        module = (getattr(value, "__module__", None) or "learner").split(".")[0]
        if module in _NOT_LEARNERS:
            continue
        info["callables"][name] = _describe_signature(value)
    info["functions"] = [n for n in info["functions"] if n in info["callables"]]
    return namespace, info


def learner_files(path):
    """The ``.ipynb`` and ``.py`` files to check under ``path`` (a file or a folder).

    Raises
    ------
    LoadError
        ``path`` does not exist, or is a folder with no notebook or module in it.
    """
    path = Path(path)
    if path.is_file():
        if path.suffix not in (".ipynb", ".py"):
            raise LoadError(f"{path}: not a notebook (.ipynb) or a module (.py)")
        return [path]
    if not path.exists():
        raise LoadError(f"{path}: no such file or folder")
    files = sorted(
        p for p in path.rglob("*")
        if p.suffix in (".ipynb", ".py") and p.is_file()
        and not any(part.startswith((".", "__")) for part in p.relative_to(path).parts)
    )
    if not files:
        raise LoadError(f"{path}: no .ipynb or .py file in this folder")
    return files


def from_namespace(namespace, name="notebook"):
    """A :class:`Submission` of the functions a running notebook defined (``globals()``).

    Only functions defined in that namespace's own module count (``__module__``
    equal to its ``__name__``), not those it imported.
    """
    module_name = namespace.get("__name__", "__main__")
    functions = {key: value for key, value in namespace.items()
                 if isinstance(value, types.FunctionType)
                 and getattr(value, "__module__", None) == module_name}
    return Submission(path=name, namespace=namespace, functions=functions)


__all__ = ["LoadError", "Submission", "load", "parse", "define", "learner_files",
           "from_namespace"]
