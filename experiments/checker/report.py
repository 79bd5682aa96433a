"""The checker's records and how they are printed: one line per function, then a summary."""

import json
from dataclasses import asdict, dataclass, field

RIGHT, WRONG, NOT_CHECKED = "right", "wrong", "not checked"


@dataclass
class Record:
    """The verdict on one function (or one problem with a file, ``function`` None).

    Attributes
    ----------
    file : str
    function : str or None
    assignment : str or None
    status : {"right", "wrong", "not checked"} or "problem"
    stage : {"interface", "values", "gradients", "run"} or None
        Where a wrong function failed.
    message : str
        One line: the mistake, what differs, or why it was not checked.
    mistake : str or None
        The catalogue key of the diagnosed mistake.
    notes : list of str
        Anything else worth a learner's attention (printing, skipped stages).
    revision : str or None
        The course revision the file was judged as ("2019-20").
    revision_note : str or None
        Why: "judged as the 2019-20 revision (imports dnn_app_utils_v3)".
    """

    file: str
    function: str = None
    assignment: str = None
    status: str = RIGHT
    stage: str = None
    message: str = ""
    mistake: str = None
    notes: list = field(default_factory=list)
    revision: str = None
    revision_note: str = None

    def line(self, width=28):
        if self.function is None:
            return f"{self.file}: {self.message}"
        text = f"{self.function:<{width}} {self.status}"
        if self.message:
            text += f": {self.message}"
        if self.notes:
            text += f" ({'; '.join(self.notes)})"
        return text


def summary(records):
    """'check: N functions right, M wrong, K not checked', and the revision assumed."""
    functions = [r for r in records if r.function is not None]
    counts = {s: sum(r.status == s for r in functions) for s in (RIGHT, WRONG, NOT_CHECKED)}
    noun = "function" if counts[RIGHT] == 1 else "functions"
    text = (f"check: {counts[RIGHT]} {noun} right, {counts[WRONG]} wrong, "
            f"{counts[NOT_CHECKED]} not checked")
    notes = {r.revision_note for r in functions if r.revision_note}
    if len(notes) == 1:
        text += f"; {notes.pop()}"
    return text


def format_records(records, show_files=False):
    """The report's lines: per file (when several), each function, then the summary."""
    lines = []
    current = None
    width = max([len(r.function) for r in records if r.function] + [20]) + 1
    several_revisions = len({r.revision_note for r in records if r.revision_note}) > 1
    for record in records:
        if show_files and record.file != current:
            current = record.file
            lines.append(f"{current}:")
            note = next((r.revision_note for r in records
                         if r.file == current and r.revision_note), None)
            if several_revisions and note:
                lines.append(f"  ({note})")
        prefix = "  " if show_files else ""
        if record.function is None:
            lines.append(prefix + record.message)
        else:
            lines.append(prefix + record.line(width))
    lines.append(summary(records))
    return lines


NOTHING_FOUND_HINT = (
    "nothing to check: no function named as the course's graded functions was found "
    "(such as propagate, nn_model, L_model_backward). In a notebook, run the cells that "
    "define them first, then check(globals())")


class Records(list):
    """The records of one check: a list of :class:`Record` that shows itself as a short report.

    In a notebook, ``check(globals())`` as a cell's last line shows a small table
    (``_repr_html_``); at a prompt, the report's summary line (``__repr__``).
    """

    def __repr__(self):
        if not any(r.function for r in self):
            return NOTHING_FOUND_HINT if not self else "\n".join(format_records(self))
        return summary(self)

    def _repr_html_(self):
        import html

        if not self:
            return f"<p>{html.escape(NOTHING_FOUND_HINT)}</p>"
        colours = {RIGHT: "#1a7f37", WRONG: "#cf222e", NOT_CHECKED: "#9a6700"}
        rows = []
        for r in self:
            if r.function is None:
                rows.append(f"<tr><td colspan='3'>{html.escape(r.message)}</td></tr>")
                continue
            detail = r.message + (f" ({'; '.join(r.notes)})" if r.notes else "")
            rows.append(
                f"<tr><td><code>{html.escape(r.function)}</code></td>"
                f"<td style='color:{colours.get(r.status, 'inherit')}'>{html.escape(r.status)}</td>"
                f"<td style='text-align:left'>{html.escape(detail)}</td></tr>")
        return ("<table><thead><tr><th>function</th><th>verdict</th><th style='text-align:left'>"
                "why</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
                f"<p>{html.escape(summary(self))}</p>")


def to_json(records):
    """The records as a JSON list."""
    return json.dumps([asdict(r) for r in records], indent=2)
