"""Whole training runs: ``scratch.train`` against ``CourseModule`` + ``make_trainer``.

Both start from the same parameters (``from_scratch`` before NumPy trains) and
run full-batch gradient descent; they must report the same cost at every step
and end at the same parameters.
"""

import numpy as np
import pytest
import yaml
from lightning.pytorch.cli import LightningCLI
from lightning.pytorch.loggers import TensorBoardLogger
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from helpers import DEVICES, accelerator, assert_dicts_close, run_tolerance
from multi_output_data import MultiLabelPlanarDataModule, multi_label
from scratch import data as scratch_data
from scratch import models as scratch_models
from scratch.errors import TrainingDivergedError
from scratch.training import train
from torch_ref import (
    CatDataModule,
    CourseModule,
    DigitsDataModule,
    HousePriceDataModule,
    PlanarDataModule,
    ShallowNetwork,
    fit,
    fit_arrays,
    from_scratch,
    make_trainer,
    to_numpy_params,
)

pytestmark = pytest.mark.parametrize("device", DEVICES)


def train_both(np_model, X, Y, datamodule, learning_rate, num_iterations, device, dtype=None,
               **trainer_kwargs):
    """Train a NumPy model and its twin from the same start; return both histories.

    Returns
    -------
    expected, actual : dict
        ``costs`` (one per step) and the final parameters, NumPy's and the twin's.
    module : CourseModule
    """
    twin = from_scratch(np_model, dtype=dtype, device=device)
    costs = train(np_model, X, Y, learning_rate, num_iterations, progress=False)
    module = fit(twin, datamodule, learning_rate, num_iterations,
                 accelerator=accelerator(device), **trainer_kwargs)
    return ({"costs": costs, **np_model.params},
            {"costs": module.costs, **to_numpy_params(twin)}, module)


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(lambda twin, X, Y, **kw: fit(twin, PlanarDataModule(), 1.2, 200, **kw),
                     id="one-step-per-epoch"),
        pytest.param(lambda twin, X, Y, **kw: fit(twin, PlanarDataModule(steps_per_epoch=64),
                                                  1.2, 200, **kw),
                     id="64-steps-per-epoch"),
        pytest.param(lambda twin, X, Y, **kw: fit_arrays(twin, X, Y, 1.2, 200, **kw),
                     id="fit_arrays"),
    ],
)
def test_flower_runs_match_numpy_step_for_step(run, device):
    X, Y = scratch_data.make_flower()
    np_model = scratch_models.ShallowNetwork(2, 4, hidden_activation="tanh")
    twin = from_scratch(np_model, device=device)
    costs = train(np_model, X, Y, 1.2, 200, progress=False)
    module = run(twin, X, Y, accelerator=accelerator(device))
    assert len(module.costs) == 200
    assert_dicts_close("ShallowNetwork(2, 4) on the flower", {"costs": costs, **np_model.params},
                       {"costs": module.costs, **to_numpy_params(twin)}, **run_tolerance(200))


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        pytest.param(scratch_models.ShallowNetwork, dict(n_x=2, n_h=4, n_y=3, init="lecun"),
                     id="shallow-3-outputs"),
        pytest.param(scratch_models.DeepNetwork,
                     dict(layer_dims=[2, 5, 3, 3], hidden_activation="tanh", init="lecun"),
                     id="deep-3-outputs"),
    ],
)
def test_multi_output_runs_match_numpy_step_for_step(cls, kwargs, device):
    # Three labels per point: the cost sums over outputs and averages over the m examples
    # only; a twin that also averaged over outputs would start at a third of NumPy's cost.
    X, Y = scratch_data.make_flower()
    Y = multi_label(X, Y)
    assert Y.shape == (3, 400) and 0 < Y.mean() < 1
    expected, actual, _ = train_both(cls(**kwargs), X, Y, MultiLabelPlanarDataModule(), 1.2, 50,
                                     device)
    assert_dicts_close(f"{cls.__name__}({kwargs}) on the flower with 3 labels", expected,
                       actual, **run_tolerance(50))


def test_cat_runs_match_numpy_step_for_step(cat_data_dir, device):
    data = scratch_data.load_cat_dataset(cat_data_dir)
    model = scratch_models.DeepNetwork([12288, 20, 7, 5, 1], init="course", scale="lecun")
    expected, actual, _ = train_both(model, data.X_train, data.Y_train,
                                     CatDataModule(str(cat_data_dir)), 0.0075, 20, device)
    assert_dicts_close("DeepNetwork([12288, 20, 7, 5, 1]) on the cats", expected, actual,
                       **run_tolerance(20))


def test_digits_runs_match_numpy_and_test_metrics_agree(device):
    data = scratch_data.load_digits_binary(positive_digit=3)
    np_model = scratch_models.DeepNetwork([64, 10, 5, 1], init="lecun")
    twin = from_scratch(np_model, device=device)
    costs = train(np_model, data.X_train, data.Y_train, 0.5, 60, progress=False)
    module = CourseModule(twin, learning_rate=0.5)
    datamodule = DigitsDataModule(positive_digit=3)
    trainer = make_trainer(60, accelerator=accelerator(device))
    trainer.fit(module, datamodule=datamodule)
    (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
    assert_dicts_close(
        "DeepNetwork([64, 10, 5, 1]) on the digits",
        {"costs": costs, **np_model.params,
         "test/cost": np_model.cost(data.X_test, data.Y_test),
         "test/accuracy": np_model.accuracy(data.X_test, data.Y_test),
         "step": 60.0},  # logged at the iteration count, where the train/ curves end
        {"costs": module.costs, **to_numpy_params(twin), **metrics},
        **run_tolerance(60),
    )


def test_data_without_test_split_reports_training_metrics(device):
    X, Y = scratch_data.make_flower()
    np_model = scratch_models.ShallowNetwork(2, 4)
    twin = from_scratch(np_model, device=device)
    train(np_model, X, Y, 1.2, 30, progress=False)
    datamodule = PlanarDataModule()
    module = CourseModule(twin, learning_rate=1.2)
    trainer = make_trainer(30, accelerator=accelerator(device))
    trainer.fit(module, datamodule=datamodule)
    (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
    assert_dicts_close(
        "ShallowNetwork(2, 4) on the flower",
        {"train/cost": np_model.cost(X, Y), "train/accuracy": np_model.accuracy(X, Y),
         "step": 30.0},
        metrics,
        **run_tolerance(30),
    )


def test_float32_run_follows_the_float64_numpy_run(device):
    X, Y = scratch_data.make_flower()
    expected, actual, module = train_both(
        scratch_models.ShallowNetwork(2, 4), X, Y, PlanarDataModule(dtype="float32"),
        1.2, 200, device, dtype="float32",
    )
    assert str(module.model.dtype) == "torch.float32"
    assert_dicts_close("float32 ShallowNetwork(2, 4) on the flower", expected, actual,
                       **run_tolerance(200, "float32"))


@pytest.mark.parametrize("steps_per_epoch", [1, 50, 300])
def test_diverging_run_stops_with_a_clear_error_at_numpys_step(steps_per_epoch, device):
    X, Y = scratch_data.make_house_prices()
    np_model = scratch_models.RegressionNetwork([1, 1])
    twin = from_scratch(np_model, device=device)
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(TrainingDivergedError) as numpy_error:
        train(np_model, X, Y, learning_rate=10.0, num_iterations=300, progress=False)
    with pytest.raises(TrainingDivergedError, match="smaller learning rate") as twin_error:
        fit(twin, HousePriceDataModule(steps_per_epoch=steps_per_epoch), 10.0, 300,
            accelerator=accelerator(device))
    step = numpy_error.value.iteration
    assert twin_error.value.iteration == step
    assert f"at iteration {step} " in str(twin_error.value)
    assert_dicts_close("RegressionNetwork([1, 1]) diverging",
                       {"costs": numpy_error.value.costs}, {"costs": twin_error.value.costs},
                       **run_tolerance(step))


def test_tensorboard_logger_receives_every_step(tmp_path, device):
    logger = TensorBoardLogger(tmp_path, name="flower")
    module = fit(ShallowNetwork(2, 4, device=device), PlanarDataModule(), 1.2, 7,
                 accelerator=accelerator(device), logger=logger)
    events = EventAccumulator(logger.log_dir)
    events.Reload()
    cost_points = events.Scalars("train/cost")
    assert [point.step for point in cost_points] == list(range(7))
    assert len(events.Scalars("train/accuracy")) == 7
    # TensorBoard stores scalars in float32.
    np.testing.assert_allclose([point.value for point in cost_points], module.costs, rtol=1e-6)


def test_lightning_cli_builds_the_twin_from_a_nested_class_path(tmp_path, monkeypatch, device):
    config = {
        "seed_everything": False,
        "model": {
            "class_path": "torch_ref.CourseModule",
            "init_args": {
                "learning_rate": 1.2,
                "model": {"class_path": "torch_ref.ShallowNetwork",
                          "init_args": {"n_x": 2, "n_h": 4, "dtype": "float64"}},
            },
        },
        "data": {"class_path": "torch_ref.PlanarDataModule", "init_args": {"steps_per_epoch": 5}},
        "trainer": {"max_steps": 5, "accelerator": accelerator(device), "precision": "64-true",
                    "logger": False, "enable_checkpointing": False,
                    "enable_progress_bar": False, "default_root_dir": str(tmp_path)},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setattr("sys.argv", ["train"])  # pytest's own arguments are not the CLI's
    cli = LightningCLI(args=["--config", str(path)], run=False, save_config_callback=None)
    cli.trainer.fit(cli.model, datamodule=cli.datamodule)

    X, Y = scratch_data.make_flower()
    costs = train(scratch_models.ShallowNetwork(2, 4), X, Y, 1.2, 5, progress=False)
    assert cli.model.model.config == scratch_models.ShallowNetwork(2, 4).config
    assert_dicts_close("ShallowNetwork(2, 4) from LightningCLI", {"costs": costs},
                       {"costs": cli.model.costs}, **run_tolerance(5))
