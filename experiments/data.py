"""A run's data: the config's Lightning data module, the one source for both engines.

:func:`load_data` builds the data module the ``data`` section describes, sets it
up once, and hands the NumPy backend the very arrays the module holds (its
tensors share their memory), so the two engines cannot train on different
numbers. What the figures need to know about a data set (images to show, a
plane to draw a boundary on, a curve to fit) is :data:`FIGURE_KINDS`.
"""

import importlib
import inspect
from dataclasses import dataclass
from typing import Optional

import numpy as np

from experiments.errors import ConfigError
from scratch.data import CAT_IMAGE_SHAPE

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
    """A data module, set up, and its arrays in course notation.

    Attributes
    ----------
    datamodule : torch_ref.FullBatchDataModule
        What the Lightning backend trains on.
    X_train : ndarray, shape (n_x, m_train)
    Y_train : ndarray, shape (n_y, m_train)
    X_test, Y_test : ndarray or None
        Shapes (n_x, m_test), (n_y, m_test); None without a test split.
    kind : {"images", "planar", "regression", "bits", "other"}
        Chooses the figures: misclassified images, decision boundary, fitted curve, none.
    classes : list of str, optional
    image_shape : tuple, optional
    """

    datamodule: object
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: Optional[np.ndarray] = None
    Y_test: Optional[np.ndarray] = None
    kind: str = "other"
    classes: Optional[list] = None
    image_shape: Optional[tuple] = None

    @property
    def has_test(self):
        return self.X_test is not None


def import_class(class_path):
    """The class named by a dotted ``class_path``; ConfigError naming it when it cannot be had."""
    module_name, _, name = str(class_path).rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        raise ConfigError(f"cannot import {class_path!r}") from None


def build_datamodule(spec, dtype):
    """The data module of ``spec`` with all the run's batches in one Lightning epoch."""
    data_class = import_class(spec.data_class_path)
    args = dict(spec.data_args)
    if "steps_per_epoch" in inspect.signature(data_class).parameters:
        args.setdefault("steps_per_epoch", spec.batches)
    try:
        inspect.signature(data_class).bind(**args, dtype=dtype)
    except TypeError as exc:
        raise ConfigError(f"run {spec.label}: data.init_args do not fit {spec.data_name}: "
                          f"{exc}") from None
    try:
        return data_class(**args, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"run {spec.label}: {spec.data_name}: {exc}") from None


def _numpy(tensor):
    return None if tensor is None else tensor.detach().cpu().numpy()


def load_data(spec, dtype):
    """The :class:`RunData` of ``spec``: its data module, set up, and the module's arrays."""
    datamodule = build_datamodule(spec, dtype)
    datamodule.setup("fit")
    kind, image_shape = FIGURE_KINDS.get(spec.data_name, ("other", None))
    return RunData(
        datamodule,
        _numpy(datamodule.X_train), _numpy(datamodule.Y_train),
        _numpy(datamodule.X_test), _numpy(datamodule.Y_test),
        kind=kind, classes=getattr(datamodule, "classes", None), image_shape=image_shape,
    )


def data_key(spec):
    """Runs with equal keys share one loaded data set."""
    return repr((spec.data_class_path, sorted(spec.data_args.items()), spec.batches))
