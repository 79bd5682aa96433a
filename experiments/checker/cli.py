"""``python -m experiments check PATH``: judge a learner's notebook or module.

``python -m experiments check FOLDER --class`` checks a class: one submission
per file or sub-folder, several at a time, into a gradebook
(:mod:`experiments.checker.gradebook`).

Exit status: 0 when no function is wrong, 1 when any is, 2 for bad usage (no
such file, nothing recognisable in it, an option out of range).
"""

import argparse
import os
import sys

EXIT_RIGHT, EXIT_WRONG, EXIT_USAGE = 0, 1, 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m experiments check",
        description="Check the course functions in a notebook (.ipynb), a module (.py) or a "
                    "folder of them against the reference: one line per function.")
    parser.add_argument("path", metavar="PATH", help="a .ipynb or .py file, or a folder of them")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="check only these functions")
    parser.add_argument("--assignment", choices=("basics", "logistic_regression", "planar",
                                                 "deep_step_by_step", "deep_application"),
                        help="the assignment every function belongs to (default: inferred "
                             "from names and signatures)")
    parser.add_argument("--revision", choices=("2017-18", "2019-20", "2021", "2024"),
                        help="the course revision the notebook is (default: recognised from "
                             "its helper imports and signatures)")
    parser.add_argument("--json", action="store_true", help="write the records as JSON")
    parser.add_argument("--full", action="store_true",
                        help="whole runs of the model functions at the course's length, on "
                             "all the cat images")
    parser.add_argument("--no-runs", action="store_true",
                        help="skip the whole runs of the model functions")
    parser.add_argument("--iterations", type=int, metavar="N",
                        help="iterations of the whole runs (default 300 for logistic "
                             "regression, 2000 on the flower, 200 on 64 cat images for the "
                             "application)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder of the cat files (default $NNDL_DATA_DIR, then ./datasets)")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                        help="seconds one call of a learner's function may take (default 10)")
    group = parser.add_argument_group("a class at once")
    group.add_argument("--class", dest="whole_class", action="store_true",
                       help="PATH is a folder of submissions (one file or sub-folder per "
                            "learner): write a gradebook (CSV, JSON), feedback per learner and "
                            "the most common mistakes")
    group.add_argument("--jobs", type=int, metavar="N",
                       help="submissions checked at a time (default: the number of cores)")
    group.add_argument("--out", metavar="DIR",
                       help="folder for the gradebook (default ./check-report, or "
                            "./check-report-2... when that one holds files)")
    return parser


def _class_arguments(args):
    """The options each submission's check is given, as command-line words."""
    words = ["--time-limit", repr(args.time_limit)]
    if args.only:
        words += ["--only", *args.only]
    if args.assignment:
        words += ["--assignment", args.assignment]
    if args.full:
        words.append("--full")
    if args.no_runs:
        words.append("--no-runs")
    if args.iterations is not None:
        words += ["--iterations", str(args.iterations)]
    if args.data_dir:
        words += ["--data-dir", os.path.abspath(args.data_dir)]
    return words


def _main_class(args):
    from experiments.checker import gradebook
    from experiments.checker.loader import LoadError

    if args.json:
        return _usage_error("--json is for one submission; --class writes gradebook.json")
    try:
        summary, out, results = gradebook.check_class(
            args.path, _class_arguments(args), args.jobs or gradebook.default_jobs(),
            args.out or "check-report", explicit_out=args.out is not None)
    except LoadError as exc:
        return _usage_error(str(exc))
    print("\n".join(summary))
    print(f"gradebook written to {out} (gradebook.csv, gradebook.json, summary.txt, feedback/)")
    wrong = any(r.get("status") == "wrong" for result in results for r in result.records
                if isinstance(r, dict))
    return EXIT_WRONG if wrong or any(result.problem for result in results) else EXIT_RIGHT


def _usage_error(message):
    print(f"python -m experiments check: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv=None):
    """Run the checker; returns the exit status."""
    try:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    from experiments.checker import _options, check_path, report, validate_options
    from experiments.checker.loader import LoadError

    try:
        validate_options(args.time_limit, args.iterations, args.jobs)
    except ValueError as exc:
        return _usage_error("--" + str(exc).replace("_", "-", 1))
    if (args.jobs is not None or args.out is not None) and not args.whole_class:
        return _usage_error("--jobs and --out go with --class")
    if args.whole_class:
        return _main_class(args)

    options = _options(args.only, args.assignment, args.full, not args.no_runs, args.data_dir,
                       args.time_limit, args.iterations, args.revision)
    try:
        records = check_path(args.path, options=options, quiet=True)
    except LoadError as exc:
        return _usage_error(str(exc))
    from experiments.checker.sandbox import containment

    print(f"check: learner code ran in a worker process ({containment()})", file=sys.stderr)
    functions = [r for r in records if r.function is not None]
    if args.json:
        print(report.to_json(records))
    if not functions:
        if not args.json:
            for record in records:
                print(record.line(), file=sys.stderr)
        wanted = f" named {', '.join(args.only)}" if args.only else ""
        return _usage_error(f"{args.path}: no function of the course's assignments{wanted} found "
                            "(the checker looks for the assignments' names, such as "
                            "propagate, nn_model or L_model_backward)")
    if not args.json:
        files = {r.file for r in records}
        print("\n".join(report.format_records(records, show_files=len(files) > 1)))
    return EXIT_WRONG if any(r.status == report.WRONG for r in functions) else EXIT_RIGHT
