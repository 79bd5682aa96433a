"""The table ``run`` prints at the end, from ``summary.json`` alone."""

import numpy as np

# The engines have parted when |J_numpy - J_torch| passes this many units of the dtype's
# rounding (eps), and never under 1e-10 (in float64, about 4.5e5 eps); they part at the first
# iteration past ROUNDING_EPS units (64 eps: 1.4e-14 in float64).
PARTING_EPS = 1000
PARTING_FLOOR = 1e-10
ROUNDING_EPS = 64
# How far before the parting iteration a rising cost still counts as its cause.
RISE_WINDOW = 200
WHY_SECTION = "README.md#the-courses-figures-reproduced"


def percent(value):
    return "-" if value is None else f"{100 * value:.2f} %"


def number(value, spec):
    return "-" if value is None else format(value, spec)


def format_table(header, rows):
    """Left-aligned first two columns, right-aligned numbers, two spaces between columns."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) if i < 2 else str(cell).rjust(width)
                 for i, (cell, width) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def parting(costs_a, costs_b, dtype="float64"):
    """Where two engines' cost curves part, and why, computed from the curves alone.

    Parameters
    ----------
    costs_a, costs_b : sequence of float
        The two engines' costs, one per iteration; compared over the iterations both ran.
    dtype : str
        The runs' floating-point type, which sets what counts as rounding.

    Returns
    -------
    dict or None
        None without a common iteration. Otherwise ``iterations`` (compared),
        ``agree`` (largest |dJ| before they part, or over all iterations),
        ``at`` (None if they never pass the parting threshold; else the first iteration
        past ``ROUNDING_EPS`` eps, where the difference starts to grow),
        ``largest`` and ``largest_at`` (largest |dJ| and where), ``rise`` (the first
        iteration from ``RISE_WINDOW`` before ``at`` on at which a cost rises, or None).
    """
    a = np.asarray(costs_a, dtype=np.float64)
    b = np.asarray(costs_b, dtype=np.float64)
    n = min(a.size, b.size)
    if n == 0:
        return None
    a, b = a[:n], b[:n]
    diff = np.abs(a - b)
    diff[np.isnan(diff)] = np.inf  # a NaN in either curve: as far apart as can be
    eps = float(np.finfo(np.float32 if dtype == "float32" else np.float64).eps)
    threshold = max(PARTING_FLOOR, PARTING_EPS * eps)
    at = None
    if not np.all(diff <= threshold):
        at = int(np.flatnonzero(diff > ROUNDING_EPS * eps)[0])
    before = diff if at is None else diff[:at]
    info = {"iterations": n, "at": at, "agree": float(before.max()) if before.size else 0.0,
            "largest": float(diff.max()), "largest_at": int(diff.argmax()),
            "rise": None}
    if at is not None:
        rising = np.flatnonzero((np.diff(a) > 0) | (np.diff(b) > 0)) + 1
        rising = rising[rising >= at - RISE_WINDOW]
        info["rise"] = int(rising[0]) if rising.size else None
    return info


def parting_line(info, names=("numpy", "torch")):
    """One line under the table: how close the engines stayed, and where and why they part."""
    pair = f"{names[0]} vs {names[1]}"
    if info["at"] is None:
        return (f"{pair}: |dJ| <= {info['agree']:.0e} over all {info['iterations']} "
                "iterations (rounding only)")
    agree = (f"|dJ| <= {info['agree']:.0e} up to iteration {info['at']}, then grows"
             if info["at"] else "|dJ| grows from the first iteration")
    if info["rise"] is not None:
        why = (f"gradient descent is unstable there (the cost rises from iteration "
               f"{info['rise']}) and amplifies rounding differences")
    else:
        why = "rounding differences accumulate"
    return (f"{pair}: {agree} to {info['largest']:.1e} (iteration {info['largest_at']}): "
            f"{why}; see {WHY_SECTION}")


def parting_notes(summary):
    """The parting line of every run with two engines; runs that never part share one line."""
    lines, close = [], []
    for entry in summary["runs"]:
        backends = entry.get("backends", {})
        if len(backends) != 2:
            continue
        names = tuple(backends)
        costs = [backends[name].get("costs") or [] for name in names]
        info = parting(*costs, dtype=(entry.get("params") or {}).get("dtype", "float64"))
        if info is None:
            continue
        if info["at"] is None and len(summary["runs"]) > 1:
            close.append((entry["label"], info))
            continue
        prefix = "" if entry["label"] == "main" else f"{entry['label']}: "
        lines.append(prefix + parting_line(info, names))
    if close:
        worst = max(info["agree"] for _, info in close)
        names = "numpy vs torch"
        runs = ("every run" if not lines else
                "the other runs (" + ", ".join(label for label, _ in close) + ")")
        lines.append(f"{names}, {runs}: |dJ| <= {worst:.0e} over all iterations "
                     "(rounding only)")
    return lines


def course_line(course, iterations=None):
    """The course's figures, saying when this run is shorter or longer than the course's.

    Parameters
    ----------
    course : str
    iterations : tuple of (int, int), optional
        (this run's iterations, the course's), when they differ.
    """
    if iterations is None:
        return f"course: {course}"
    ran, full = iterations
    return (f"course, at its full length of {full} iterations (this run: {ran}, so expect "
            f"other figures): {course}")


def training_table(summary, extra, course=None, iterations=None):
    """One row per (run, backend): final cost, accuracies, seconds, largest |J_numpy - J_torch|.

    Parameters
    ----------
    summary : dict
        The content of ``summary.json``.
    extra : experiments.extras.Extra
        Adds rows and notes.
    course : str, optional
        The course's figures, printed last.
    iterations : tuple of (int, int), optional
        (this run's iterations, the course's) when they differ: the course line says so.
    """
    header = ("run", "backend", "final cost", "train acc", "test acc", "seconds", "max |dJ|")
    rows = []
    for entry in summary["runs"]:
        label = entry["label"]
        diff = number(entry.get("max_abs_cost_diff"), ".1e")
        for name, result in entry["backends"].items():
            costs = result.get("costs") or []
            rows.append((label, name, number(costs[-1] if costs else None, ".6f"),
                         percent(result.get("train_accuracy")),
                         percent(result.get("test_accuracy")),
                         number(result.get("seconds"), ".2f"), diff))
            label, diff = "", ""
        for name, cost, train, test, seconds in extra.rows(entry):
            rows.append(("", name, number(cost, ".6f"), percent(train), percent(test),
                         number(seconds, ".2f"), ""))
    single = [entry["label"] for entry in summary["runs"]] == ["main"]
    if single:
        header, rows = header[1:], [row[1:] for row in rows]
    notes = [*parting_notes(summary), *extra.notes(summary)]
    if course:
        notes.append(course_line(course, iterations))
    return "\n".join([format_table(header, rows), *notes])
