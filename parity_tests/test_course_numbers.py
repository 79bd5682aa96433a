"""The course's numbers are the configs': `list`, `bench` and the notebooks read them there.

Changing deepL-cats's learning rate is one edit, in ``experiments/configs/deepL-cats.yaml``.
"""

import shutil

import numpy as np

from experiments import config
from experiments.benchmark import course_workload
from experiments.notebook import Week
from experiments.registry import EXPERIMENTS


def _edited_configs(tmp_path, monkeypatch, name, old, new):
    """CONFIG_DIR copied to tmp_path with one line of NAME.yaml edited."""
    folder = tmp_path / "configs"
    shutil.copytree(config.CONFIG_DIR, folder)
    path = folder / f"{name}.yaml"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    monkeypatch.setattr(config, "CONFIG_DIR", folder)


def test_one_edit_of_deepL_cats_learning_rate_reaches_list_bench_and_notebooks(tmp_path,
                                                                               monkeypatch):
    before = EXPERIMENTS["deepL-cats"].description
    assert "lr 0.0075, 2500 iterations" in before
    _edited_configs(tmp_path, monkeypatch, "deepL-cats", "learning_rate: 0.0075",
                    "learning_rate: 0.02")
    assert EXPERIMENTS["deepL-cats"].description == before.replace("lr 0.0075", "lr 0.02")
    X, Y = np.zeros((64, 3)), np.zeros((1, 3))
    work = course_workload("deepL-cats", "deepL-digits", X, Y, 10)
    assert work.learning_rate == 0.02
    assert (work.layer_dims, work.hidden_activation, work.seed, work.scale) == (
        [64, 20, 7, 5, 1], "relu", 1, "lecun")
    model, learning_rate, num_iterations = Week.course_run("deepL-cats")
    assert (model.layer_dims, learning_rate, num_iterations) == ([12288, 20, 7, 5, 1], 0.02, 2500)


def test_layer_sizes_and_iterations_in_descriptions_are_the_configs(tmp_path, monkeypatch):
    _edited_configs(tmp_path, monkeypatch, "shallow-planar-hidden-sweep", "max_steps: 5000",
                    "max_steps: 300")
    assert EXPERIMENTS["shallow-planar-hidden-sweep"].description == (
        "week 3: hidden layer sizes 1, 2, 3, 4, 5, 20, 50 on the flower, 300 iterations")


def test_bench_workloads_are_the_configs_runs():
    X, Y = np.zeros((12288, 3)), np.zeros((1, 3))
    for name in ("deep2-cats", "deepL-cats", "shallow-planar"):
        spec = config.read_run_specs(name)[0]
        work = course_workload(name, name, X if "cats" in name else X[:2], Y, 10)
        assert work.learning_rate == spec.learning_rate
        assert work.seed == spec.model_args["seed"] and work.scale == spec.model_args["scale"]
    assert course_workload("shallow-planar", "s", X[:2], Y, 10).layer_dims == [2, 4, 1]
    assert course_workload("deep2-cats", "d", X, Y, 10).layer_dims == [12288, 7, 1]


def test_notebook_sweeps_get_every_run_of_the_config(tmp_path, monkeypatch):
    _edited_configs(tmp_path, monkeypatch, "shallow-planar-hidden-sweep", "learning_rate: 1.2",
                    "learning_rate: 0.7")
    runs = Week.course_runs("shallow-planar-hidden-sweep")
    sizes = (1, 2, 3, 4, 5, 20, 50)
    assert [label for label, *_ in runs] == [f"n_h={n}" for n in sizes]
    assert [model.layer_dims for _, model, _, _ in runs] == [[2, n, 1] for n in sizes]
    assert {(rate, iterations) for _, _, rate, iterations in runs} == {(0.7, 5000)}
