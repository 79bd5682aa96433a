"""The week notebooks: committed clean, and run top to bottom in a fresh kernel.

Each notebook is executed in its quick form (``NNDL_QUICK=1``: a few iterations per training)
in a kernel started from this interpreter, with a temporary folder as its working directory
(so its TensorBoard logs land there). The notebooks that use the cat images run twice: with
the cat files (skipped where they are not on this machine) and with ``NNDL_DATA_DIR`` pointing
at an empty folder, where every cat section must say it is skipped instead of failing.

Starting a kernel and importing torch and Lightning take seconds, so every execution starts at
once, on first use, and the runs overlap (at most ``PARALLEL_KERNELS`` kernels at a time).
"""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from scratch.data import find_cat_data_dir
from scratch.errors import DatasetNotFoundError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = {
    "week1": "week1_supervised_learning.ipynb",
    "week2": "week2_logistic_regression.ipynb",
    "week3": "week3_shallow_network.ipynb",
    "week4": "week4_deep_network.ipynb",
}
USES_CATS = {"week2", "week4"}
# Kernels running at once. Each runs torch on one thread (below), so a few overlap well even
# on two cores: much of a kernel's time is start-up and imports.
PARALLEL_KERNELS = 3
CELL_TIMEOUT_S = 600
SKIP_SENTENCE = "Skipped: the cat vs non-cat files are not available"

# (notebook, variant): "quick" for notebooks without cat sections, else "cats" / "no-cats".
CASES = [(week, "quick") for week in NOTEBOOKS if week not in USES_CATS] + [
    (week, variant) for week in NOTEBOOKS if week in USES_CATS for variant in ("cats", "no-cats")
]


def _cat_dir():
    try:
        return find_cat_data_dir()
    except DatasetNotFoundError:
        return None


@dataclass
class Execution:
    notebook: nbformat.NotebookNode
    error: str = None  # the failing cell's source and traceback, or None
    skipped: str = None  # why this variant was not run


def _kernel_env(data_dir):
    env = dict(os.environ)
    env.update(
        NNDL_QUICK="1",
        NNDL_DATA_DIR=str(data_dir),
        # One thread per kernel: the problems are tiny and the kernels run side by side.
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        # The project importable from the kernel's temporary working directory, installed or not.
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    env.pop("MPLBACKEND", None)
    return env


async def _run(notebook, work_dir, data_dir, limit):
    """Execute ``notebook`` in place in a fresh kernel whose working directory is in work_dir."""
    run_dir = work_dir / "cwd"
    run_dir.mkdir()
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(run_dir)}})
    async with limit:
        try:
            await client.async_execute(env=_kernel_env(data_dir))
        except CellExecutionError as exc:
            return Execution(notebook, error=str(exc))
    return Execution(notebook)


async def _execute(week, variant, work_dir, limit):
    notebook = nbformat.read(NOTEBOOK_DIR / NOTEBOOKS[week], as_version=4)
    if variant == "cats":
        data_dir = _cat_dir()
        if data_dir is None:
            return Execution(notebook, skipped="cat vs non-cat files not found; set NNDL_DATA_DIR "
                                               "to their folder to run this variant")
    else:
        data_dir = work_dir / "no-data"
        data_dir.mkdir()
    return await _run(notebook, work_dir, data_dir, limit)


@pytest.fixture(scope="module")
def executions(request, tmp_path_factory):
    """Every (notebook, variant) this session selected, executed once, concurrently, on first use."""
    selected = [(item.callspec.params["week"], item.callspec.params["variant"])
                for item in request.session.items
                if getattr(item, "originalname", None) == "test_notebook_runs_and_draws_its_figures"]

    async def run_all():
        limit = asyncio.Semaphore(PARALLEL_KERNELS)
        jobs = [_execute(week, variant, tmp_path_factory.mktemp(f"{week}-{variant}"), limit)
                for week, variant in selected]
        return dict(zip(selected, await asyncio.gather(*jobs)))

    return asyncio.run(run_all())


def _code_cells(notebook):
    return [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]


def _tags(cell):
    return set(cell.metadata.get("tags", []))


def _text(cell):
    return "".join(output.get("text", "") for output in cell.outputs
                   if output.output_type == "stream")


def _has_image(cell):
    return any("image/png" in output.get("data", {}) for output in cell.outputs)


@pytest.mark.parametrize("week, variant", CASES, ids=[f"{w}-{v}" for w, v in CASES])
def test_notebook_runs_and_draws_its_figures(executions, week, variant):
    result = executions[(week, variant)]
    if result.skipped:
        pytest.skip(result.skipped)
    assert result.error is None, f"{NOTEBOOKS[week]} ({variant}) failed:\n{result.error}"

    cells = _code_cells(result.notebook)
    figure_cells = [(index, cell) for index, cell in cells if "figure" in _tags(cell)]
    assert figure_cells, f"{NOTEBOOKS[week]} has no cell tagged 'figure'"
    for index, cell in figure_cells:
        if variant == "no-cats" and "cats" in _tags(cell):
            assert SKIP_SENTENCE in _text(cell), (
                f"{NOTEBOOKS[week]} cell {index}: a cat figure cell without the cat files must "
                f"say it is skipped; it printed:\n{_text(cell)}")
            assert not _has_image(cell)
        else:
            assert _has_image(cell), (
                f"{NOTEBOOKS[week]} ({variant}) cell {index} is tagged 'figure' but drew no "
                f"image; its source begins:\n{cell.source[:300]}")
    if week in USES_CATS:
        cat_cells = [cell for _, cell in cells if "cats is None" in cell.source]
        skipped = [cell for cell in cat_cells if SKIP_SENTENCE in _text(cell)]
        assert cat_cells
        if variant == "no-cats":
            assert len(skipped) == len(cat_cells), "every cat section says it is skipped"
        else:
            assert not skipped, "with the cat files no cat section is skipped"


@pytest.mark.parametrize("week", NOTEBOOKS)
def test_notebook_is_committed_clean(week):
    """No outputs and no execution counts in the repository; a parameters cell comes first."""
    notebook = nbformat.read(NOTEBOOK_DIR / NOTEBOOKS[week], as_version=4)
    nbformat.validate(notebook)
    cells = _code_cells(notebook)
    dirty = [index for index, cell in cells if cell.outputs or cell.execution_count is not None]
    assert not dirty, (f"{NOTEBOOKS[week]}: code cells {dirty} carry outputs or execution "
                       "counts; clear them before committing")
    _, first = cells[0]
    assert "parameters" in _tags(first), f"{NOTEBOOKS[week]}: the first code cell is not tagged 'parameters'"
    assert "NNDL_QUICK" in first.source
    assert notebook.metadata.kernelspec.name == "python3"


def test_every_notebook_is_executed():
    """A notebook added to notebooks/ is added to NOTEBOOKS, so the tests run it."""
    assert sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS.values())


def test_notebook_kernel_is_this_interpreter():
    """The "python3" kernel the notebooks name starts this very interpreter (and its packages)."""
    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(command[0]).resolve() == Path(sys.executable).resolve(), command


def test_harness_sees_a_failing_cell_and_a_missing_figure(tmp_path):
    """The checks above can fail: a raising cell is reported, and a figure cell without an
    image is told from one with an image."""
    cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell("print('no figure here')", metadata={"tags": ["figure"]}),
        nbformat.v4.new_code_cell("plt.plot([0, 1])\nplt.show()", metadata={"tags": ["figure"]}),
        nbformat.v4.new_code_cell("raise ValueError('this cell fails on purpose')"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    result = asyncio.run(_run(notebook, tmp_path, tmp_path, asyncio.Semaphore(1)))
    assert result.error is not None and "this cell fails on purpose" in result.error
    assert not _has_image(notebook.cells[1])
    assert _has_image(notebook.cells[2])


HELPERS = ("def iterations", "def parity", "def train_both", "def show_costs", "def show_sweep",
           "def predictors", "def accuracies", "load_cat_dataset(")


@pytest.mark.parametrize("week", NOTEBOOKS)
def test_notebook_takes_its_helpers_from_the_one_module(week):
    """The helpers are written once (experiments/notebook.py); no notebook carries a copy."""
    notebook = nbformat.read(NOTEBOOK_DIR / NOTEBOOKS[week], as_version=4)
    source = "\n".join(cell.source for _, cell in _code_cells(notebook))
    assert "from experiments.notebook import" in source
    assert f"week = Week({week[-1]}," in source
    copies = [helper for helper in HELPERS if helper in source]
    assert not copies, f"{NOTEBOOKS[week]} defines {copies} again; use experiments.notebook's"


def test_the_notebook_helpers_log_as_run_does(tmp_path, monkeypatch, capsys):
    """train_both logs each engine's costs; show_costs logs its figures and |dJ| once."""
    pytest.importorskip("IPython")
    import numpy as np
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    import scratch
    from experiments import notebook
    from scratch.data import make_flower

    monkeypatch.setattr("IPython.display.display", lambda *figures: None)
    week = notebook.Week(3, quick=True, quick_iterations=4, log_root=tmp_path)
    assert week.iterations(10_000) == 4
    X, Y = make_flower(m=40)
    model = scratch.ShallowNetwork(2, 4, init="course", seed=2)
    twin, costs, costs_torch = week.train_both(model, X, Y, 1.2, week.iterations(10_000), "flower")
    week.show_costs("flower", costs, costs_torch)
    assert len(costs) == len(costs_torch) == 4
    tags = {}
    for folder in ("numpy", "torch", notebook.COMPARISON):
        accumulator = EventAccumulator(str(week.log_dir / "flower" / folder),
                                       size_guidance={"scalars": 0, "images": 0})
        accumulator.Reload()
        tags[folder] = accumulator.Tags()
        if folder != notebook.COMPARISON:
            steps = [event.step for event in accumulator.Scalars("train/cost")]
            assert steps == [0, 1, 2, 3], folder
    assert not tags["numpy"]["images"] and not tags["torch"]["images"]
    assert set(tags[notebook.COMPARISON]["images"]) == {"figures/cost_curves",
                                                        "figures/cost_difference"}
    assert "train/cost_difference" in tags[notebook.COMPARISON]["scalars"]
    assert "largest |J_numpy - J_torch|" in capsys.readouterr().out
    np.testing.assert_allclose(costs, costs_torch, rtol=1e-12)
