"""nndl-reference in PyTorch: twins of the NumPy models, trained through Lightning.

* :mod:`torch_ref.models`: ``LogisticRegression``, ``ShallowNetwork``, ``DeepNetwork``,
  ``RegressionNetwork``, with the constructor arguments of their NumPy namesakes;
* :mod:`torch_ref.adapter`: ``from_scratch``, ``to_numpy_params``, ``load_numpy_params``;
* :mod:`torch_ref.lightning`: ``CourseModule``, ``make_trainer``, ``fit``;
* :mod:`torch_ref.data`: the course's data sets as Lightning data modules.
"""

from torch_ref.adapter import from_scratch, load_numpy_params, to_numpy_params
from torch_ref.data import (
    ArrayDataModule,
    CatDataModule,
    DigitsDataModule,
    FullBatchDataModule,
    FullBatchLoader,
    HousePriceDataModule,
    PlanarDataModule,
)
from torch_ref.init import draw_initial_parameters
from torch_ref.lightning import CourseModule, fit, fit_arrays, make_trainer
from torch_ref.models import (
    TWINS,
    DeepNetwork,
    LogisticRegression,
    Network,
    RegressionNetwork,
    ShallowNetwork,
)

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
