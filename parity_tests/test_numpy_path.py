"""The NumPy side without PyTorch: the config's data from the data modules' torch-free sources.

A NumPy-only command (a run, a sweep in worker processes, ``list``, ``check --no-runs``
of functions whose oracle is not torch autograd) imports neither torch nor Lightning;
the data modules and the NumPy runs read the very same function for each data set
(:data:`experiments.data.SOURCES`), so both engines still train on the same arrays.
"""

import dataclasses
import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from experiments import config
from experiments.benchmark import IMPORT_WATCH
from experiments.data import SOURCES, import_class, load_data
from experiments.errors import ConfigError

FIXTURES = Path(__file__).parent / "learner_fixtures"

def _source_parameters(function):
    return {name: p.default for name, p in inspect.signature(function).parameters.items()}


@pytest.mark.parametrize("class_path", sorted(SOURCES))
def test_each_data_module_wraps_its_registered_source(class_path):
    data_class = import_class(class_path)
    assert data_class.source is SOURCES[class_path]
    module_args = _source_parameters(data_class.__init__)
    source_args = _source_parameters(SOURCES[class_path])
    module_args.pop("self")
    module_args.pop("steps_per_epoch")
    assert set(module_args) == set(source_args)
    for name in source_args:
        if name != "dtype":  # "float64" on the module, np.float64 in scratch.data
            assert module_args[name] == source_args[name], name


@pytest.mark.parametrize("experiment", ["logreg-planar", "house-price", "xor-depth",
                                        "deep-digits"])
def test_numpy_arrays_are_the_data_modules_and_share_memory_with_its_tensors(experiment):
    (spec, *_) = config.read_run_specs(experiment, iterations=3)
    data = load_data(spec, "float64")
    reference = import_class(spec.data_class_path)(**spec.data_args)
    reference.setup("fit")
    for name in ("X_train", "Y_train", "X_test", "Y_test"):
        ours, theirs = getattr(data, name), getattr(reference, name)
        assert (ours is None) == (theirs is None), name
        if ours is not None:
            np.testing.assert_array_equal(ours, theirs.numpy())
    assert data.classes == getattr(reference, "classes", None)
    datamodule = data.datamodule  # built on first use, on the same arrays
    assert datamodule.steps_per_epoch == spec.batches
    assert np.shares_memory(datamodule.X_train.numpy(), data.X_train)
    assert data.datamodule is datamodule


def test_a_bad_data_argument_is_one_line_without_the_data_module():
    (spec, *_) = config.read_run_specs("logreg-planar", iterations=3)
    bad = dataclasses.replace(spec, data_args={**spec.data_args, "dataset": "tulip"})
    with pytest.raises(ConfigError, match=r"PlanarDataModule: unknown planar dataset 'tulip'"):
        load_data(bad, "float64")
    unknown = dataclasses.replace(spec, data_args={**spec.data_args, "petals": 5})
    with pytest.raises(ConfigError, match=r"data.init_args do not fit PlanarDataModule"):
        load_data(unknown, "float64")


@pytest.mark.parametrize("argv", [
    ["run", "logreg-planar", "--backend", "numpy", "--iterations", "5"],
    ["run", "shallow-planar-hidden-sweep", "--backend", "numpy", "--iterations", "5",
     "--jobs", "2"],
    ["list"],
    # the deep application's functions are checked without torch autograd
    ["check", str(FIXTURES / "right_deep_application.ipynb"), "--no-runs"],
], ids=["run", "sweep-jobs-2", "list", "check-without-an-autograd-oracle"])
def test_a_numpy_only_command_imports_neither_torch_nor_lightning(argv, tmp_path):
    log = tmp_path / "imports.log"
    out = ["--quiet", "--out", str(tmp_path / "run")] if argv[0] == "run" else []
    done = subprocess.run([sys.executable, "-c", IMPORT_WATCH, *argv, *out], capture_output=True,
                          text=True, env={**os.environ, "NNDL_IMPORT_LOG": str(log)},
                          timeout=300)
    assert done.returncode == 0, done.stderr
    imported = log.read_text().split("\n") if log.exists() else []
    assert [line for line in imported if line] == []
    if argv[0] == "run":
        assert (tmp_path / "run" / "summary.json").exists()


def test_who_reports_is_asked_without_importing_torch():
    """``torch_ref.distributed`` (the one answer to "is this rank zero?") is torch-free."""
    code = ("import sys\nfrom torch_ref import distributed\n"
            "print(distributed.is_global_zero(1), distributed.is_global_zero(),"
            " 'torch' in sys.modules, 'lightning' in sys.modules)")
    env = dict(os.environ, LOCAL_RANK="1")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            check=True)
    assert result.stdout.split() == ["True", "False", "False", "False"]
