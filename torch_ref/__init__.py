"""nndl-reference in PyTorch: twins of the NumPy models, trained through Lightning.

* :mod:`torch_ref.models`: ``LogisticRegression``, ``ShallowNetwork``, ``DeepNetwork``,
  ``RegressionNetwork``, with the constructor arguments of their NumPy namesakes;
* :mod:`torch_ref.adapter`: ``from_scratch``, ``to_numpy_params``, ``load_numpy_params``;
* :mod:`torch_ref.lightning`: ``CourseModule``, ``make_trainer``, ``fit``;
* :mod:`torch_ref.data`: the course's data sets as Lightning data modules.
"""

import importlib

# Where each public name lives. They are imported on first use (PEP 562), so that
# ``torch_ref.distributed``, which is torch-free, can be imported on the NumPy path.
_HOMES = {
    "adapter": ("from_scratch", "load_numpy_params", "to_numpy_params"),
    "data": ("ArrayDataModule", "CatDataModule", "DigitsDataModule", "FullBatchDataModule",
             "FullBatchLoader", "HousePriceDataModule", "PlanarDataModule"),
    "init": ("draw_initial_parameters",),
    "lightning": ("CourseModule", "fit", "fit_arrays", "make_trainer"),
    "models": ("TWINS", "DeepNetwork", "LogisticRegression", "Network", "RegressionNetwork",
               "ShallowNetwork"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}
_SUBMODULES = ("adapter", "data", "distributed", "init", "lightning", "models")

__all__ = [
    "TWINS",
    "Network",
    "LogisticRegression",
    "ShallowNetwork",
    "DeepNetwork",
    "RegressionNetwork",
    "from_scratch",
    "to_numpy_params",
    "load_numpy_params",
    "CourseModule",
    "make_trainer",
    "fit",
    "fit_arrays",
    "FullBatchLoader",
    "FullBatchDataModule",
    "ArrayDataModule",
    "CatDataModule",
    "PlanarDataModule",
    "HousePriceDataModule",
    "DigitsDataModule",
]


def __getattr__(name):
    if name in _HOME:
        value = getattr(importlib.import_module(f"torch_ref.{_HOME[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"torch_ref.{name}")
    else:
        raise AttributeError(f"module 'torch_ref' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__, *_SUBMODULES})
