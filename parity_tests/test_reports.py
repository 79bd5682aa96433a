"""What a user reads: the end-of-run lines, the data command, the figures, TensorBoard's tables.

Also the command line's edges: a closed pipe, the console script, ``fit`` from any
folder, and ``torch_ref.fit_arrays`` on one thread for a small twin.
"""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import matplotlib.colors
import matplotlib.legend
import numpy as np
import pytest
import torch
from matplotlib.collections import PathCollection
from matplotlib.text import Text

import scratch
import torch_ref
from experiments import cli, plots, report
from experiments.extras import Extra
from scratch.data import CAT_FILE_CHECKSUMS, make_flower

REPO = Path(__file__).resolve().parents[1]


def run(argv, capsys):
    status = cli.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- where the engines part ---------------------------------------------------------------------
def _costs(n=1000, part_at=None, rise_at=None):
    """A decreasing cost curve and a copy that leaves it at ``part_at``, growing tenfold an
    iteration; the first curve rises from ``rise_at`` on."""
    a = 0.7 * np.exp(-np.arange(n) / 300) + 0.2
    if rise_at is not None:
        a[rise_at:] += 1e-3 * np.arange(n - rise_at)
    b = a.copy()
    b[1::2] += 1e-16  # rounding
    if part_at is not None:
        b[part_at:] += np.minimum(1e-15 * 10.0 ** np.arange(n - part_at), 1e-6)
    return a, b


def test_engines_that_never_part_are_rounding_only():
    info = report.parting(*_costs())
    assert info["at"] is None and info["agree"] <= 2e-16
    assert "over all 1000 iterations (rounding only)" in report.parting_line(info)


def test_where_the_engines_part_and_why_is_computed_from_the_curves():
    info = report.parting(*_costs(part_at=700, rise_at=720))
    assert info["at"] == 702  # 1e-13 there, the first difference past 64 eps (1.4e-14)
    assert info["rise"] == 721
    assert info["largest"] == pytest.approx(1e-6)
    line = report.parting_line(info)
    assert "up to iteration 702" in line and "the cost rises from iteration 721" in line
    assert "README.md#the-courses-figures-reproduced" in line
    # the same difference where the cost never rises: accumulated rounding, no instability
    line = report.parting_line(report.parting(*_costs(part_at=700)))
    assert "rounding differences accumulate" in line and "unstable" not in line


def test_a_shortened_run_says_the_courses_figures_are_for_the_full_length(tmp_path, capsys):
    status, out, _ = run(["run", "shallow-planar", "--iterations", 5, "--quiet",
                          "--out", tmp_path / "run"], capsys)
    assert status == 0
    assert "numpy vs torch: |dJ| <= " in out and "over all 5 iterations (rounding only)" in out
    assert "course, at its full length of 10000 iterations (this run: 5" in out


def test_the_course_line_of_a_full_length_run_is_plain():
    summary = {"runs": [{"label": "main", "params": {}, "max_abs_cost_diff": None,
                         "backends": {"numpy": {"costs": [0.5], "train_accuracy": 0.9}}}]}
    assert report.training_table(summary, Extra(), "accuracy 90 %").endswith(
        "\ncourse: accuracy 90 %")


# -- the data command ---------------------------------------------------------------------------
def test_data_lists_the_cat_files_and_checks_them(cat_data_dir, tmp_path, capsys):
    status, out, err = run(["data", "--data-dir", cat_data_dir], capsys)
    assert status == 0 and not err
    assert out.count("SHA-256 ok") == 2 and f"used: {Path(cat_data_dir).resolve()}" in out
    assert "digits" in out and "flower" in out

    changed = tmp_path / "changed"
    changed.mkdir()
    for name in CAT_FILE_CHECKSUMS:
        shutil.copyfile(Path(cat_data_dir) / name, changed / name)
    with open(changed / "test_catvnoncat.h5", "r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 1]))  # same size, one bit differs
    status, out, err = run(["data", "--data-dir", changed], capsys)
    assert status == 1
    assert "SHA-256 differs" in out
    assert err.count("\n") == 1 and str(changed / "test_catvnoncat.h5") in err


def test_data_without_the_cat_files_names_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNDL_DATA_DIR", str(tmp_path / "nowhere"))
    status, out, err = run(["data"], capsys)
    assert status == 1
    assert f"{tmp_path / 'nowhere'} ($NNDL_DATA_DIR)" in out and "no such folder" in out
    assert f"{tmp_path / 'datasets'} (default)" in out
    assert err.count("\n") == 1 and "NNDL_DATA_DIR" in err


# -- the command line's edges -------------------------------------------------------------------
def test_a_reader_closing_the_pipe_ends_the_command_quietly():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "experiments", "list"], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head` does once it has read enough
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == cli.EXIT_BROKEN_PIPE
    assert err == ""


def test_the_console_command_is_the_module_command():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["nndl"].partition(":")
    assert (module, function) == ("experiments.cli", "main")
    assert getattr(__import__(module, fromlist=[function]), function) is cli.main


def test_fit_takes_a_shipped_config_from_any_folder_and_says_where_it_logged(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(["fit", "--config", "experiments/configs/house-price.yaml",
                          "--trainer.max_steps=2", "--trainer.enable_progress_bar=false"], capsys)
    assert status == 0
    log_dir = tmp_path / "runs" / "house-price" / "fit" / "lightning_logs" / "version_0"
    assert f"fit: TensorBoard logs and checkpoints in {log_dir}" in out
    assert list(log_dir.glob("events.out.tfevents.*"))
    status, _, err = run(["fit", "--config", "no-such-config"], capsys)
    assert status == 2 and "no config file no-such-config" in err


def test_lightnings_information_lines_stay_out_of_a_run(tmp_path, capfd):
    assert cli.main(["run", "house-price", "--iterations", "2", "--backend", "torch",
                     "--out", str(tmp_path / "run")]) == 0
    captured = capfd.readouterr()
    for line in ("GPU available", "TPU available", "Tip:", "`Trainer.fit` stopped"):
        assert line not in captured.out + captured.err, line


def test_fit_arrays_trains_a_small_twin_on_one_thread():
    import lightning as L

    class Threads(L.Callback):
        seen = []

        def on_train_batch_start(self, *args):
            Threads.seen.append(torch.get_num_threads())

    X, Y = make_flower(m=40)
    twin = torch_ref.from_scratch(scratch.ShallowNetwork(2, 4, init="course", seed=2))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        torch_ref.fit_arrays(twin, X, Y, learning_rate=1.2, num_iterations=3,
                             callbacks=[Threads()], enable_progress_bar=False)
        assert Threads.seen == [1, 1, 1]
        assert torch.get_num_threads() == 2  # as it was
    finally:
        torch.set_num_threads(before)


# -- the figures ---------------------------------------------------------------------------------
def _texts(fig):
    plots.render(fig)
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _flower_predictors():
    X, Y = make_flower(m=60)
    model = scratch.ShallowNetwork(2, 4, init="course", seed=2)
    scratch.train(model, X, Y, learning_rate=1.2, num_iterations=50)
    linear = scratch.LogisticRegression(2)
    scratch.train(linear, X, Y, learning_rate=1.2, num_iterations=50)
    return X, Y, lambda grid: model.forward(grid)[0], lambda grid: linear.forward(grid)[0]


def _figures():
    X, Y, predict, linear = _flower_predictors()
    costs = np.linspace(0.7, 0.2, 50)
    images = np.random.default_rng(0).random((12, 6))
    return {
        "cost_curves": plots.cost_curves({"main": {"numpy": costs, "torch": costs}}, "t"),
        "sweep": plots.cost_curves({f"n_h={k}": {"numpy": costs * k, "torch": costs * k}
                                    for k in (1, 2, 3)}, "t"),
        "cost_difference": plots.cost_difference(costs, costs + 1e-16, "t"),
        "decision_boundary": plots.decision_boundaries(
            X, Y, {"numpy": predict, "torch": predict, "sklearn": linear}, "t"),
        "misclassified": plots.misclassified_images(
            images, np.array([[0, 1, 0, 1, 0, 1]]),
            {"numpy": np.array([[1, 1, 0, 0, 0, 1]]), "torch": np.array([[1, 1, 0, 0, 0, 1]])},
            (3, 4), ["non-cat", "cat"], "t"),
        "regression_fit": plots.regression_fit(
            X[:1], Y, {"numpy": lambda x: x, "torch": lambda x: x}, "t"),
        "class_points": plots.class_points(X, Y, "t"),
    }


@pytest.fixture(scope="module")
def figures():
    return _figures()


@pytest.mark.parametrize("name", ["cost_curves", "sweep", "cost_difference",
                                  "decision_boundary", "misclassified", "regression_fit",
                                  "class_points"])
def test_every_text_of_every_figure_is_at_least_9_points(figures, name):
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(figures[name])
             if t.get_fontsize() < plots.TEXT_SIZE]
    assert not small


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


@pytest.mark.parametrize("name", ["cost_curves", "regression_fit"])
def test_the_engines_differ_in_colour_and_line_style_with_a_legend(figures, name):
    ax = figures[name].axes[0]
    lines = _lines(ax)
    numpy_line, torch_line = lines["numpy"], lines["torch"]
    assert numpy_line.get_color() != torch_line.get_color()
    assert numpy_line.get_linestyle() != torch_line.get_linestyle()
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"numpy", "torch"}


def test_a_sweep_has_a_colour_per_run_and_a_style_per_engine(figures):
    ax = figures["sweep"].axes[0]
    styles = {(line.get_color(), line.get_linestyle()) for line in ax.get_lines()}
    assert len({color for color, _ in styles}) == 3 and len({s for _, s in styles}) == 2
    legends = [child for child in ax.get_children()
               if isinstance(child, matplotlib.legend.Legend)]
    titles = {legend.get_title().get_text() for legend in legends}
    assert titles == {"run", "engine"}


def test_decision_boundaries_share_a_panel_and_colour_regions_as_their_points(figures):
    fig = figures["decision_boundary"]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["numpy = torch (the same boundary)", "sklearn"]
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["y = 0", "y = 1", "predicted 0", "predicted 1"]
    points = next(c for c in fig.axes[0].get_children() if isinstance(c, PathCollection))
    colours = {tuple(np.round(c[:3], 3)) for c in points.get_facecolors()}
    handles = legend.legend_handles
    class_colours = {tuple(np.round(matplotlib.colors.to_rgb(h.get_markerfacecolor()), 3))
                     for h in handles[:2]}
    assert colours == class_colours
    for k in (0, 1):  # each region a paler shade of its class's points
        region = matplotlib.colors.to_rgb(handles[2 + k].get_facecolor())
        point = handles[k].get_markerfacecolor()
        np.testing.assert_allclose(region, plots._pale(point))


def test_misclassified_images_of_agreeing_engines_are_one_row(figures):
    fig = figures["misclassified"]
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(shown) == 2  # images 0 and 3, once
    labels = [t.get_text() for t in _texts(fig)]
    assert "numpy = torch" in labels
    assert "#0: non-cat\npredicted cat" in labels


# -- TensorBoard ---------------------------------------------------------------------------------
def _hparams_table(logdir):
    """The HPARAMS table TensorBoard builds for ``logdir``: (hparam infos, metric tags)."""
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer as pem
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.hparams import hparams_plugin

    multiplexer = pem.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, str(logdir))
    plugin = hparams_plugin.HParamsPlugin(base_plugin.TBContext(
        logdir=str(logdir), multiplexer=multiplexer, data_provider=provider))
    backend, ctx = plugin._context, context.RequestContext()
    experiment = backend.experiment_from_metadata(
        ctx, "", True, backend.hparams_metadata(ctx, ""),
        backend.hparams_from_data_provider(ctx, "", None))
    return experiment.hparam_infos, {m.name.tag for m in experiment.metric_infos}


def test_tensorboards_table_shows_the_swept_settings_and_every_runs_test_metrics(tmp_path):
    runs = tmp_path / "runs"
    for name, backend in (("house-price", "numpy"), ("deep-digits", "torch")):
        assert cli.main(["run", name, "--iterations", "2", "--jobs", "1", "--quiet",
                         "--backend", backend, "--out", str(runs / name)]) == 0
    infos, metrics = _hparams_table(runs)
    differs = [info.name for info in infos if info.differs]
    assert {"layer_dims", "output_activation", "run", "backend"} <= set(differs)
    # the settings that differ come first, so that a narrow table still shows them
    assert [info.name for info in infos][:len(differs)] == differs
    assert {"final/test_accuracy", "final/train_accuracy", "final/cost"} <= metrics
