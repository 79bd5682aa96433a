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
    """'check: N functions right, M wrong, K not checked'."""
    functions = [r for r in records if r.function is not None]
    counts = {s: sum(r.status == s for r in functions) for s in (RIGHT, WRONG, NOT_CHECKED)}
    noun = "function" if counts[RIGHT] == 1 else "functions"
    return (f"check: {counts[RIGHT]} {noun} right, {counts[WRONG]} wrong, "
            f"{counts[NOT_CHECKED]} not checked")


def format_records(records, show_files=False):
    """The report's lines: per file (when several), each function, then the summary."""
    lines = []
    current = None
    width = max([len(r.function) for r in records if r.function] + [20]) + 1
    for record in records:
        if show_files and record.file != current:
            current = record.file
            lines.append(f"{current}:")
        prefix = "  " if show_files else ""
        if record.function is None:
            lines.append(prefix + record.message)
        else:
            lines.append(prefix + record.line(width))
    lines.append(summary(records))
    return lines


def to_json(records):
    """The records as a JSON list."""
    return json.dumps([asdict(r) for r in records], indent=2)
