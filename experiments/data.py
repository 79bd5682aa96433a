"""A run's data: the config's ``data`` section, the one source for both engines.

:func:`load_data` gives the arrays the ``data`` section describes. For the
project's data modules it calls the module's torch-free source (the function of
:mod:`scratch.data` the module wraps, with the module's own arguments: see
:data:`SOURCES`), so a NumPy-only run never imports PyTorch or Lightning; the
Lightning backend's data module (:attr:`RunData.datamodule`) is built on first
use and set up on those very arrays (its tensors share their memory), so the
two engines cannot train on different numbers. A data module of one's own is
built and set up, and its arrays read, as before. What the figures need to know
about a data set (images to show, a plane to draw a boundary on, a curve to
fit) is :data:`FIGURE_KINDS`.
"""

import importlib
import inspect
from dataclasses import dataclass
from typing import Optional

import numpy as np

from experiments.errors import ConfigError
from scratch import data as scratch_data
from scratch.data import CAT_IMAGE_SHAPE
from scratch.errors import DataError, DatasetFormatError
from scratch.validation import check_positive

# The project's data modules (by their class path in a config) -> their torch-free source,
# the ``source`` each module wraps (parity_tests/test_numpy_path.py holds them equal).
SOURCES = {
    "torch_ref.CatDataModule": scratch_data.load_cat_dataset,
    "torch_ref.DigitsDataModule": scratch_data.load_digits_binary,
    "torch_ref.PlanarDataModule": scratch_data.make_planar,
    "torch_ref.HousePriceDataModule": scratch_data.make_house_prices,
    "experiments.datamodules.ParityDataModule": scratch_data.make_parity,
}
# The modules' own paths name them too (torch_ref.data.CatDataModule, ...).
SOURCES.update({f"torch_ref.data.{path.rpartition('.')[2]}": source
                for path, source in list(SOURCES.items()) if path.startswith("torch_ref.")})

# Data module class name -> (kind of figure, shape of one image).
FIGURE_KINDS = {
    "CatDataModule": ("images", CAT_IMAGE_SHAPE),
    "DigitsDataModule": ("images", (8, 8)),
    "PlanarDataModule": ("planar", None),
    "HousePriceDataModule": ("regression", None),
    "ParityDataModule": ("bits", None),
}


@dataclass
class RunData:
    """A run's arrays in course notation, and the data module the Lightning backend uses.

    Attributes
    ----------
    X_train : ndarray, shape (n_x, m_train)
    Y_train : ndarray, shape (n_y, m_train)
    X_test, Y_test : ndarray or None
        Shapes (n_x, m_test), (n_y, m_test); None without a test split.
    kind : {"images", "planar", "regression", "bits", "other"}
        Chooses the figures: misclassified images, decision boundary, fitted curve, none.
    classes : list of str, optional
    image_shape : tuple, optional
    spec : experiments.config.RunSpec, optional
    dtype : str
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: Optional[np.ndarray] = None
    Y_test: Optional[np.ndarray] = None
    kind: str = "other"
    classes: Optional[list] = None
    image_shape: Optional[tuple] = None
    spec: object = None
    dtype: str = "float64"
    _datamodule: object = None

    @property
    def has_test(self):
        return self.X_test is not None

    @property
    def datamodule(self):
        """The run's data module (torch_ref.FullBatchDataModule), set up on these arrays.

        Built on first use: only the Lightning backend asks for it (and imports Lightning).
        """
        if self._datamodule is None:
            datamodule = build_datamodule(self.spec, self.dtype)
            datamodule.setup_from((self.X_train, self.Y_train, self.X_test, self.Y_test))
            if self.classes is not None:
                datamodule.classes = list(self.classes)
            self._datamodule = datamodule
        return self._datamodule


def import_class(class_path):
    """The class named by a dotted ``class_path``; ConfigError naming it when it cannot be had."""
    module_name, _, name = str(class_path).rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        raise ConfigError(f"cannot import {class_path!r}") from None


def _check_arguments(spec, signature, args, dtype):
    try:
        signature.bind(**args, dtype=dtype)
    except TypeError as exc:
        raise ConfigError(f"run {spec.label}: data.init_args do not fit {spec.data_name}: "
                          f"{exc}") from None


def build_datamodule(spec, dtype):
    """The data module of ``spec`` with all the run's batches in one Lightning epoch."""
    data_class = import_class(spec.data_class_path)
    args = dict(spec.data_args)
    if "steps_per_epoch" in inspect.signature(data_class).parameters:
        args.setdefault("steps_per_epoch", spec.batches)
    _check_arguments(spec, inspect.signature(data_class), args, dtype)
    try:
        return data_class(**args, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"run {spec.label}: {spec.data_name}: {exc}") from None


def _numpy(tensor):
    return None if tensor is None else tensor.detach().cpu().numpy()


def _source_arrays(spec, source, dtype):
    """(X_train, Y_train, X_test, Y_test, classes) from a data module's torch-free source,
    its arguments checked as the module checks them."""
    args = dict(spec.data_args)
    steps = args.pop("steps_per_epoch", None)
    _check_arguments(spec, inspect.signature(source), args, dtype)
    try:
        if steps is not None:
            check_positive("steps_per_epoch", steps, integer=True)
        loaded = source(**args, dtype=np.dtype(dtype))
    except (TypeError, ValueError) as exc:
        if isinstance(exc, (DatasetFormatError, DataError)):
            raise  # a file's problem, reported as the data module reports it
        raise ConfigError(f"run {spec.label}: {spec.data_name}: {exc}") from None
    return scratch_data.source_arrays(loaded)


def load_data(spec, dtype):
    """The :class:`RunData` of ``spec``: its arrays, loaded without torch for the project's
    data modules (their sources), else through the data module itself."""
    kind, image_shape = FIGURE_KINDS.get(spec.data_name, ("other", None))
    source = SOURCES.get(str(spec.data_class_path))
    if source is not None:
        X_train, Y_train, X_test, Y_test, classes = _source_arrays(spec, source, dtype)
        return RunData(X_train, Y_train, X_test, Y_test, kind=kind, classes=classes,
                       image_shape=image_shape, spec=spec, dtype=dtype)
    datamodule = build_datamodule(spec, dtype)
    datamodule.setup("fit")
    return RunData(
        _numpy(datamodule.X_train), _numpy(datamodule.Y_train),
        _numpy(datamodule.X_test), _numpy(datamodule.Y_test),
        kind=kind, classes=getattr(datamodule, "classes", None), image_shape=image_shape,
        spec=spec, dtype=dtype, _datamodule=datamodule,
    )


def data_key(spec):
    """Runs with equal keys share one loaded data set."""
    return repr((spec.data_class_path, sorted(spec.data_args.items()), spec.batches))
