"""A class at once: ``python -m experiments check FOLDER --class``.

Each entry of the folder is one submission: a notebook or module, or a
sub-folder of them. Every submission is checked by a checker process of its
own (``python -m experiments check PATH --json``), which runs the learner's code
in its own limited worker (:mod:`experiments.checker.sandbox`), several at a
time (``--jobs``). A broken, looping or hostile submission costs its own
limits and nothing else.

Written to the output folder (never over an existing one):

- ``gradebook.csv``: one row per submission and function (and per file problem);
- ``gradebook.json``: the same, per submission, with the containment in force
  and the most common mistakes;
- ``feedback/<submission>.txt``: the lines the learner would read from
  ``python -m experiments check`` on their own work;
- ``summary.txt``: counts per submission and the most common mistakes
  ("14 of 30: backward_propagation: dZ1 uses 1 - A1 ...").
"""

import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from experiments.checker.loader import LoadError

CSV_FIELDS = ("submission", "file", "function", "assignment", "status", "stage", "message",
              "mistake", "notes")


@dataclass
class Result:
    """One submission's records (dicts, as ``--json`` gives them) and how its check ended."""

    name: str
    path: str
    records: list = field(default_factory=list)
    exit_status: int = 0
    problem: str = None


def submissions(folder):
    """``name -> path`` of the submissions in ``folder``: its notebooks, modules and sub-folders.

    Raises
    ------
    LoadError
        ``folder`` is not a folder, or holds no submission.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LoadError(f"{folder}: --class needs a folder of submissions (one file or one "
                        "sub-folder per learner)")
    found = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "__")):
            continue
        if entry.is_dir() and any(p.suffix in (".ipynb", ".py") for p in entry.rglob("*")
                                  if not any(part.startswith((".", "__"))
                                             for part in p.relative_to(entry).parts)):
            found[entry.name] = entry
        elif entry.is_file() and entry.suffix in (".ipynb", ".py"):
            name = entry.stem if entry.stem not in found else entry.name
            found[name] = entry
    if not found:
        raise LoadError(f"{folder}: no submission here (a .ipynb or .py file, or a sub-folder "
                        "of them, per learner)")
    return found


def output_folder(out, explicit):
    """The folder to write into: ``out`` when new or empty; else, when not given, ``out-2``...

    Raises
    ------
    LoadError
        ``out`` was given and already holds files (nothing is overwritten).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise LoadError(f"{out}: exists and is not a folder; pass --out with a new folder")
    if out.exists() and any(out.iterdir()):
        if explicit:
            raise LoadError(f"{out}: already holds files; pass --out with a new or empty folder "
                            "(nothing is overwritten)")
        number = 2
        while Path(f"{out}-{number}").exists():
            number += 1
        out = Path(f"{out}-{number}")
    return out


def _check_one(name, path, arguments, timeout):
    command = [sys.executable, "-m", "experiments", "check", str(path), "--json", *arguments]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        return Result(name, str(path), exit_status=1,
                      problem=f"the check of this submission did not finish within {timeout:g} s")
    result = Result(name, str(path), exit_status=done.returncode)
    try:
        result.records = json.loads(done.stdout) if done.stdout.strip() else []
        if not isinstance(result.records, list):
            raise ValueError("not a list")
    except ValueError:
        result.records = []
    if done.returncode not in (0, 1) or not result.records:
        lines = [line for line in done.stderr.splitlines()
                 if line.strip() and not line.startswith("check: learner code ran")]
        result.problem = (lines[-1] if lines else
                          f"the check ended with status {done.returncode} and no report")
        result.problem = result.problem.removeprefix("python -m experiments check: error: ")
    return result


def _records_of(result):
    """The result's records as ``report.Record``s (its problem, if any, as a file problem)."""
    from experiments.checker.report import Record

    records = []
    for entry in result.records:
        if isinstance(entry, dict):
            known = {k: entry.get(k) for k in ("file", "function", "assignment", "status", "stage",
                                               "message", "mistake")}
            records.append(Record(**{k: v for k, v in known.items() if v is not None},
                                  notes=list(entry.get("notes") or [])))
    if result.problem:
        records.insert(0, Record(file=result.path, status="problem", message=result.problem))
    return records


def common_mistakes(results):
    """``[(count, function, message)]``: each diagnosed mistake and how many submissions made it."""
    counts, example = Counter(), {}
    for result in results:
        seen = set()
        for record in _records_of(result):
            if record.status == "wrong" and record.mistake and record.mistake not in seen:
                seen.add(record.mistake)
                counts[record.mistake] += 1
                example.setdefault(record.mistake, (record.function, record.message))
    return [(count, *example[key]) for key, count in
            sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _cell(text):
    """A CSV cell a spreadsheet shows as text (a file named '=...' is not a formula)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _safe_name(name):
    return re.sub(r"[^\w.-]", "_", name)[:120] or "submission"


def write(results, out, containment, options_text):
    """Write the gradebook, the feedback files and the summary into ``out`` (a new folder)."""
    from experiments.checker import report

    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    rows = []
    students = []
    written = set()
    for result in results:
        records = _records_of(result)
        for record in records:
            rows.append({"submission": result.name, "file": record.file,
                         "function": record.function or "", "assignment": record.assignment or "",
                         "status": record.status, "stage": record.stage or "",
                         "message": record.message, "mistake": record.mistake or "",
                         "notes": "; ".join(record.notes)})
        functions = [r for r in records if r.function]
        counts = {s: sum(r.status == s for r in functions)
                  for s in (report.RIGHT, report.WRONG, report.NOT_CHECKED)}
        students.append({"submission": result.name, "path": result.path,
                         "exit_status": result.exit_status, "problem": result.problem,
                         "right": counts[report.RIGHT], "wrong": counts[report.WRONG],
                         "not_checked": counts[report.NOT_CHECKED],
                         "records": [{k: v for k, v in row.items() if k != "submission"}
                                     for row in rows if row["submission"] == result.name]})
        lines = report.format_records(records, show_files=len({r.file for r in records}) > 1)
        name = _safe_name(result.name)
        while name in written:
            name += "_"
        written.add(name)
        (out / "feedback" / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    mistakes = common_mistakes(results)
    total = len(results)
    (out / "gradebook.json").write_text(json.dumps({
        "containment": containment, "options": options_text, "submissions": students,
        "common_mistakes": [{"count": c, "of": total, "function": f, "message": m}
                            for c, f, m in mistakes]}, indent=2), encoding="utf-8")
    summary = summary_lines(results, mistakes, containment)
    (out / "summary.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")
    return summary


def summary_lines(results, mistakes, containment):
    total = len(results)
    lines = [f"checked {total} submission{'s' if total != 1 else ''} "
             f"(learner code ran in: {containment})"]
    for result in results:
        functions = [r for r in _records_of(result) if r.function]
        right = sum(r.status == "right" for r in functions)
        wrong = sum(r.status == "wrong" for r in functions)
        text = f"  {result.name}: {right} right, {wrong} wrong, {len(functions) - right - wrong} " \
               "not checked"
        if result.problem:
            text += f" ({result.problem})"
        lines.append(text)
    if mistakes:
        lines.append("most common mistakes:")
        lines += [f"  {count} of {total}: {function}: {message}"
                  for count, function, message in mistakes]
    return lines


def check_class(folder, arguments, jobs, out, explicit_out, timeout=3600.0):
    """Check every submission in ``folder`` and write the gradebook; returns (summary, out)."""
    from tqdm import tqdm

    from experiments.checker import sandbox

    found = submissions(folder)
    out = output_folder(out, explicit_out)
    containment = sandbox.containment()
    results = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(found), desc="check", unit="submission", file=sys.stderr,
                 disable=None, leave=False) as progress:
        futures = {pool.submit(_check_one, name, path, arguments, timeout): name
                   for name, path in found.items()}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            progress.update()
    ordered = [results[name] for name in found]
    return write(ordered, out, containment, " ".join(arguments)), out, ordered


def default_jobs():
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


__all__ = ["Result", "submissions", "output_folder", "common_mistakes", "check_class",
           "default_jobs", "write"]
