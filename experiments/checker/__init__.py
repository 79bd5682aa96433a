"""Check a learner's course functions against the reference, naming the mistakes.

From a notebook::

    from experiments.checker import check
    check(L_model_backward)      # one function
    check(globals())             # every course function the notebook defines

From a shell: ``python -m experiments check my_notebook.ipynb`` (see
:mod:`experiments.checker.cli`). Importing this package imports neither torch
nor Lightning; torch is used only when a gradient is checked.
"""

import sys
import types

__all__ = ["check", "check_path", "validate_options"]


def validate_options(time_limit=10.0, iterations=None, jobs=None):
    """Refuse option values the checker cannot honour, naming the option.

    Raises
    ------
    ValueError
        ``time_limit`` not a number of seconds in (0, 1 day], ``iterations`` or
        ``jobs`` not a positive integer.
    """
    import math
    import numbers

    if isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real) or \
            not math.isfinite(time_limit) or not 0 < time_limit <= 86400:
        raise ValueError(f"time_limit must be a number of seconds above 0 and at most 86400 "
                         f"(one day), got {time_limit!r}")
    for name, value in (("iterations", iterations), ("jobs", jobs)):
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, numbers.Integral) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _options(only, assignment, full, runs, data_dir, time_limit, iterations=None, revision=None):
    from experiments.checker.core import Options

    validate_options(time_limit, iterations)
    if isinstance(only, str):
        only = (only,)
    return Options(only=tuple(only) if only else None, assignment=assignment,
                   runs="full" if full else ("short" if runs else None), data_dir=data_dir,
                   time_limit=time_limit, iterations=iterations, revision=revision)


def check(what, *, only=None, assignment=None, full=False, runs=True, data_dir=None,
          time_limit=10.0, iterations=None, revision=None, quiet=False, file=None):
    """Judge course functions and print one line per function, then a summary.

    Parameters
    ----------
    what : function, dict, str or os.PathLike
        One function (``check(linear_backward)``), a notebook's namespace
        (``check(globals())``: the functions defined there, not those imported),
        or the path of a ``.ipynb``/``.py`` file or a folder of them.
    only : str or sequence of str, optional
        Check only these names.
    assignment : str, optional
        ``basics``, ``logistic_regression``, ``planar``, ``deep_step_by_step`` or
        ``deep_application``; by default inferred from names and signatures.
    full : bool
        Whole runs of the model functions at the course's length, on all the cat
        images (default: a few hundred iterations, the application's on 64 images).
    runs : bool
        Whole runs at all.
    iterations : int, optional
        Iterations of the whole runs (default: 300 for logistic regression's model,
        2000 on the flower, 200 on 64 of the cat images for the application's; with
        ``full``, the course's 2000, 10000, 2500 on all the images).
    data_dir : str, optional
        Folder of the cat files (default ``$NNDL_DATA_DIR``, then ``./datasets``).
    revision : str, optional
        The course revision the notebook is ("2017-18", "2019-20", "2021", "2024");
        by default recognised from its imports and signatures.
    time_limit : float
        Seconds one call of a learner's function may take.
    quiet : bool
        Print nothing.
    file : file object, optional
        Where to print (default ``sys.stdout``).

    Returns
    -------
    experiments.checker.report.Records
        A list of :class:`~experiments.checker.report.Record` that a notebook shows
        as a small table (not as a list of records).

    Raises
    ------
    ValueError
        An option out of range (``time_limit`` not a positive finite number of
        seconds, ``iterations`` not a positive integer).

    Notes
    -----
    A function or a namespace is checked in this process (the learner's own
    kernel); a path is loaded and run in a separate, limited worker process
    (:mod:`experiments.checker.sandbox`).
    """
    from experiments.checker import core, loader, report

    options = _options(only, assignment, full, runs, data_dir, time_limit, iterations, revision)
    if isinstance(what, types.FunctionType):
        records = core.check_functions({what.__name__: what}, what.__globals__, options,
                                       path=getattr(what, "__module__", None) or "notebook")
        if not records:
            raise ValueError(f"{what.__name__} is not one of the course's functions; "
                             "name it as the assignment does")
    elif isinstance(what, dict):
        submission = loader.from_namespace(what)
        records = core.check_functions(submission.functions, what, options, path="notebook",
                                       submission=submission)
    else:
        return check_path(what, options=options, quiet=quiet, file=file)
    records = report.Records(records)
    if not quiet:
        out = file or sys.stdout
        print("\n".join(report.format_records(records)) if records
              else report.NOTHING_FOUND_HINT, file=out)
    return records


def check_path(path, options=None, quiet=False, file=None, limits=None):
    """Judge the course functions of a notebook, a module or a folder of them.

    Each file is loaded and its functions run in a fresh worker process of its
    own, under ``limits`` (:class:`experiments.checker.sandbox.Limits`; the time
    limit is ``options.time_limit``).

    Raises
    ------
    experiments.checker.loader.LoadError
        No such file, or nothing the checker can read.
    """
    import dataclasses

    from experiments.checker import core, loader, report, sandbox

    options = options or _options(None, None, False, True, None, 10.0)
    validate_options(options.time_limit, options.iterations)
    limits = dataclasses.replace(limits or sandbox.Limits(), time_limit=options.time_limit)
    records = report.Records()
    files = loader.learner_files(path)
    for file_path in files:
        with loader.load(file_path, limits) as submission:
            for problem in submission.problems:
                records.append(report.Record(file=str(file_path), status="problem",
                                             message=problem))
            records += core.check_functions(submission.functions, submission.namespace, options,
                                            path=str(file_path), submission=submission)
    if not quiet:
        print("\n".join(report.format_records(records, show_files=len(files) > 1)),
              file=file or sys.stdout)
    return records
