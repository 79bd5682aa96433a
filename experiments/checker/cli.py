"""``python -m experiments check PATH``: judge a learner's notebook or module.

Exit status: 0 when no function is wrong, 1 when any is, 2 for bad usage (no
such file, nothing recognisable in it).
"""

import argparse
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
    return parser


def _usage_error(message):
    print(f"python -m experiments check: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv=None):
    """Run the checker; returns the exit status."""
    try:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.time_limit <= 0:
        return _usage_error(f"--time-limit must be positive, got {args.time_limit:g}")
    if args.iterations is not None and args.iterations < 1:
        return _usage_error(f"--iterations must be a positive integer, got {args.iterations}")

    from experiments.checker import _options, check_path, report
    from experiments.checker.loader import LoadError

    options = _options(args.only, args.assignment, args.full, not args.no_runs, args.data_dir,
                       args.time_limit, args.iterations, args.revision)
    try:
        records = check_path(args.path, options=options, quiet=True)
    except LoadError as exc:
        return _usage_error(str(exc))
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
