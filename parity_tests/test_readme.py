"""Every figure README.md quotes, against what the code gives.

The README is read, never copied here: its table of the course's figures, the
numbers quoted in the comments of its Python blocks, the main job's output and
the Data table are parsed and compared with fresh runs (short or cheap ones in
the default suite, course-length ones marked ``slow``) and with the checksums
the code declares. A wrong figure in the README fails here.
"""

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from experiments import cli
from experiments.registry import EXPERIMENTS
from scratch.data import CAT_FILE_CHECKSUMS

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()

# (experiment, engine) pairs of the figures table that the default suite reproduces: a
# few seconds each. The rest train for up to a minute: slow.
CHEAP = {("logreg-planar", "numpy"), ("logreg-planar", "torch"), ("shallow-planar", "numpy")}
ENGINES = {"NumPy": "numpy", "Lightning twin": "torch"}
PERCENT = re.compile(r"(\d+(?:\.\d+)?) %")
COST = re.compile(r"J = (\d+\.\d+)")


def section(title):
    """The text of the README section headed ``title`` (any level), up to the next heading."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", TEXT, re.M | re.S)
    assert match, f"README.md has no section {title!r}"
    return match.group(1)


def table(text):
    """The first Markdown table of ``text``: a list of {header: cell}."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [dict(zip(header, (cell.strip() for cell in line.strip("|").split("|"))))
            for line in lines[2:]]


def code_blocks(text, language):
    """The fenced blocks of ``text`` opened with ```` ```language ```` ("" for a bare fence)."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if current is None:
                current = [] if line[3:].strip() == language else False
            else:
                if current is not False:
                    blocks.append("\n".join(current) + "\n")
                current = None
        elif current is not None and current is not False:
            current.append(line)
    return blocks


def alternatives(cell):
    """A cell of the figures table as the alternatives it allows (a machine-dependent figure
    is "A or B, by machine"), text in parentheses (another model's figure) left out."""
    cell = re.sub(r"\([^)]*\)", "", cell).split(", by machine")[0]
    return [part.strip() for part in cell.split(" or ")]


def digits(text):
    return len(text.split(".")[1]) if "." in text else 0


def matches(claim, result):
    """Whether a backend's result shows the figures of ``claim``, to the digits quoted:
    its percentages are train then test accuracy, its "J = x" the final cost."""
    accuracies = [result["train_accuracy"], result["test_accuracy"]]
    for text, accuracy in zip(PERCENT.findall(claim), accuracies):
        if accuracy is None or round(100 * accuracy, digits(text)) != float(text):
            return False
    for text in COST.findall(claim):
        if round(result["costs"][-1], digits(text)) != float(text):
            return False
    return True


def figure_rows():
    rows = table(section("The course's figures, reproduced"))
    return {row["experiment"].strip("`"): row for row in rows}


FIGURE_ROWS = figure_rows()


def _cases():
    for name in FIGURE_ROWS:
        for engine in ENGINES.values():
            marks = () if (name, engine) in CHEAP else (pytest.mark.slow,)
            yield pytest.param(name, engine, marks=marks, id=f"{name}-{engine}")


def test_the_figures_table_names_real_experiments():
    assert set(FIGURE_ROWS) <= set(EXPERIMENTS)
    assert {"logreg-planar", "shallow-planar", "deepL-cats"} <= set(FIGURE_ROWS)


def _run(name, engine, out, data_dir=None):
    """``run NAME --backend ENGINE`` at the course's length; (summary, printed output)."""
    argv = ["run", name, "--backend", engine, "--quiet", "--out", out]
    if data_dir is not None:
        argv += ["--data-dir", data_dir]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main([str(arg) for arg in argv]) == 0
    return json.loads((Path(out) / "summary.json").read_text()), printed.getvalue()


@pytest.fixture(scope="module")
def numpy_main_job(tmp_path_factory):
    """The main job's NumPy engine, run once for the tests that read it."""
    return _run("shallow-planar", "numpy", tmp_path_factory.mktemp("main") / "run")


@pytest.mark.parametrize("name, engine", list(_cases()))
def test_the_figures_table_is_what_run_gives(name, engine, tmp_path, request):
    row = FIGURE_ROWS[name]
    cell = row["NumPy" if engine == "numpy" else "Lightning twin"]
    if (name, engine) == ("shallow-planar", "numpy"):
        summary, _ = request.getfixturevalue("numpy_main_job")
    else:
        data_dir = (request.getfixturevalue("cat_data_dir")
                    if EXPERIMENTS[name].needs_cat_data else None)
        summary, _ = _run(name, engine, tmp_path / "run", data_dir)
    result = summary["runs"][0]["backends"][engine]
    assert any(matches(claim, result) for claim in alternatives(cell)), (
        f"README.md says {cell!r} for {name} ({engine}); the run gives train "
        f"{result['train_accuracy']}, test {result['test_accuracy']}, "
        f"J = {result['costs'][-1]:.6f}")
    if "baseline" in cell:
        baseline = float(re.search(r"baseline (\d+\.\d+) %", cell).group(1))
        assert round(100 * summary["runs"][0]["baseline"]["train_accuracy"], 2) == baseline


def _numpy_row_of_the_main_job():
    block = next(block for block in code_blocks(section("Quick start"), "")
                 if block.startswith("backend"))
    rows = {line.split()[0]: line.split() for line in block.splitlines()[2:4]}
    return block, rows


def test_the_main_jobs_numpy_row_is_what_run_prints(numpy_main_job):
    _, rows = _numpy_row_of_the_main_job()
    _, printed = numpy_main_job
    line = next(line.split() for line in printed.splitlines() if line.startswith("numpy"))
    # final cost, train accuracy, test accuracy; the seconds are the machine's
    assert line[1:5] == rows["numpy"][1:5]
    assert "course: accuracy 90 %" in printed


@pytest.mark.slow
def test_the_main_jobs_output_is_what_run_prints(tmp_path):
    block, rows = _numpy_row_of_the_main_job()
    _, printed = _run("shallow-planar", "both", tmp_path / "run")
    lines = {line.split()[0]: line for line in printed.splitlines()
             if re.match(r"(numpy|torch) +\d", line)}  # the table's rows
    assert lines["numpy"].split()[1:5] == rows["numpy"][1:5]
    assert lines["numpy"].split()[-1] == rows["numpy"][-1]  # max |dJ|
    # The twin's last digits depend on the machine: one of the figures the README gives.
    twin = lines["torch"].split()
    allowed = alternatives(FIGURE_ROWS["shallow-planar"]["Lightning twin"])
    assert any(twin[2] == PERCENT.findall(claim)[0] for claim in allowed), twin
    parting = next(line for line in block.splitlines() if line.startswith("numpy vs torch"))
    printed_parting = next(line for line in printed.splitlines()
                           if line.startswith("numpy vs torch"))
    # where they part is the machine's too; within a few iterations of the README's
    quoted_at, printed_at = (int(re.search(r"up to iteration (\d+)", text).group(1))
                             for text in (parting, printed_parting))
    assert abs(quoted_at - printed_at) <= 100


def _run_block(code):
    """Execute a README Python block; returns (namespace, printed lines)."""
    out = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), namespace)
    return namespace, out.getvalue().splitlines()


def _python_blocks_with_numbers():
    blocks = []
    for title in ("Using the NumPy models", "The course's functions"):
        for code in code_blocks(section(title), "python"):
            if re.search(r"#.*\d\.\d", code):
                blocks.append(pytest.param(code, id=title))
    return blocks


@pytest.mark.parametrize("code", _python_blocks_with_numbers())
def test_the_numbers_in_the_readmes_python_blocks(code):
    """``print(x)  # v`` prints v; ``name = ...  # v`` binds v; ``# Cost after ...`` is printed;
    ``# ~1e-9`` is that order of magnitude."""
    namespace, printed = _run_block(code)
    prints = iter(printed)
    checked = 0
    for line in code.splitlines():
        statement, _, comment = line.partition("#")
        comment = comment.strip()
        if statement.strip().startswith("print("):
            shown = next(prints)
            if comment.startswith("~"):
                magnitude = float(comment.split()[0][1:])
                assert magnitude / 10 <= float(shown) <= magnitude * 10, (line, shown)
                checked += 1
            elif comment and comment.split()[0][0].isdigit():
                assert shown == comment.split()[0], (line, shown)
                checked += 1
        elif "=" in statement and comment.startswith("[["):
            name = statement.split("=")[0].split(",")[0].strip()
            assert " ".join(str(namespace[name]).split()) == " ".join(comment.split()), line
            checked += 1
        elif not statement.strip() and comment.startswith("Cost after iteration"):
            for quote in re.findall(r"Cost after iteration \d+: [\d.]+", comment):
                assert quote in printed, quote
                checked += 1
    assert checked, "no quoted number found in this block"


def test_the_data_table_is_the_checksums_the_code_declares():
    rows = table(section("Data"))
    declared = {row["file"].strip("`"): (int(row["bytes"]), row["SHA-256"].strip("`"))
                for row in rows}
    assert declared == CAT_FILE_CHECKSUMS


def test_the_data_table_is_what_the_files_hold(cat_data_dir):
    from experiments.data_files import sha256

    for name, (size, digest) in CAT_FILE_CHECKSUMS.items():
        path = Path(cat_data_dir) / name
        assert (path.stat().st_size, sha256(path)) == (size, digest), name


def test_the_quick_start_installs_the_cpu_build_first_and_activates():
    block = code_blocks(section("Quick start"), "bash")[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert all(line.startswith("python3 -m venv .venv && source .venv/bin/activate && ")
               for line in lines)
    cpu = next(i for i, line in enumerate(lines) if "download.pytorch.org/whl/cpu" in line)
    default = next(i for i, line in enumerate(lines) if 'pip install -e ".[dev]"' in line)
    assert cpu < default
    # After activation, no block calls the venv's programs by path, and none mixes the two.
    assert ".venv/bin/" not in TEXT.replace("source .venv/bin/activate", "")


def test_two_commands_set_up_and_run_the_main_job_and_the_tests():
    """Each is complete on a fresh machine, and CI runs the test command as written."""
    blocks = code_blocks(section("Quick start"), "bash")
    commands = [line for block in blocks for line in block.splitlines()
                if 'pip install -e ".[dev]"' in line]
    assert [c.rsplit("&& ", 1)[1] for c in commands] == ["nndl run shallow-planar",
                                                         "python -m pytest"]
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()


def test_the_readme_quotes_one_duration_for_the_default_suite():
    # "a few minutes" wherever the README speaks of the default suite's time
    assert "about 90 s" not in section("Tests") and "minute and a half" not in TEXT
    assert all("few minutes" in section(title) for title in ("Quick start", "Tests"))
