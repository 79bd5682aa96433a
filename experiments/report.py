"""The table ``run`` prints at the end, from ``summary.json`` alone."""


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


def training_table(summary, extra, course=None):
    """One row per (run, backend): final cost, accuracies, seconds, largest |J_numpy - J_torch|.

    Parameters
    ----------
    summary : dict
        The content of ``summary.json``.
    extra : experiments.extras.Extra
        Adds rows and notes.
    course : str, optional
        The course's figures, printed last.
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
    notes = list(extra.notes(summary))
    if course:
        notes.append(f"course: {course}")
    return "\n".join([format_table(header, rows), *notes])
