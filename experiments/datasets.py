"""The NumPy side of the configs' data modules: the same arrays, without torch.

A config names a Lightning data module (``torch_ref.PlanarDataModule`` with
``dataset: flower``, ...). The NumPy backend needs the arrays that module
would hold after ``setup``; :func:`load_arrays` builds them from the same class
name and arguments with :mod:`scratch.data`, which the data modules wrap too.
The torch backend checks that its module's tensors equal these arrays, so the
two backends never train on different data.
"""

from dataclasses import dataclass
from itertools import product
from typing import Optional

import numpy as np

from scratch import data as scratch_data


@dataclass
class Arrays:
    """A data set in course notation, plus what the plots need to know about it.

    Attributes
    ----------
    X_train : ndarray, shape (n_x, m_train)
    Y_train : ndarray, shape (1, m_train)
    X_test, Y_test : ndarray or None
        Shapes (n_x, m_test) and (1, m_test); None when the experiment has no test set.
    kind : {"images", "planar", "regression", "bits"}
        Chooses the figures: misclassified images, decision boundary, fitted curve, none.
    classes : list of str, optional
        Name of label 0 and label 1.
    image_shape : tuple, optional
        Shape of one image, for the grid of misclassified images.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: Optional[np.ndarray] = None
    Y_test: Optional[np.ndarray] = None
    kind: str = "planar"
    classes: Optional[list] = None
    image_shape: Optional[tuple] = None

    @property
    def has_test(self):
        return self.X_test is not None


def make_parity(n_bits=4, centered=True, dtype=np.float64):
    """Every n-bit input and its parity (XOR of the bits), for the xor-depth experiment.

    Parameters
    ----------
    n_bits : int
        Number of input bits n; the set holds all 2^n inputs.
    centered : bool
        Code bits as -1/+1 (easier for tanh units) instead of 0/1.
    dtype : float64 or float32

    Returns
    -------
    X : ndarray, shape (n_bits, 2**n_bits)
        One input per column, in binary counting order.
    Y : ndarray, shape (1, 2**n_bits)
        1 where an odd number of bits is set.
    """
    if isinstance(n_bits, bool) or not isinstance(n_bits, int) or not 1 <= n_bits <= 16:
        raise ValueError(f"n_bits must be an integer from 1 to 16, got {n_bits!r}")
    bits = np.array(list(product((0, 1), repeat=n_bits)), dtype=np.float64).T
    Y = (bits.sum(axis=0, keepdims=True) % 2).astype(dtype)
    X = 2 * bits - 1 if centered else bits
    return X.astype(dtype), Y


def _cat(data_dir=None, dtype=np.float64):
    ds = scratch_data.load_cat_dataset(data_dir, dtype=dtype)
    return Arrays(ds.X_train, ds.Y_train, ds.X_test, ds.Y_test, "images", list(ds.classes),
                  scratch_data.CAT_IMAGE_SHAPE)


def _digits(positive_digit=0, test_fraction=0.2, seed=0, dtype=np.float64):
    ds = scratch_data.load_digits_binary(positive_digit, test_fraction, seed, dtype)
    return Arrays(ds.X_train, ds.Y_train, ds.X_test, ds.Y_test, "images", list(ds.classes), (8, 8))


def _planar(dataset="flower", m=400, seed=1, dtype=np.float64):
    try:
        generator = scratch_data.PLANAR_DATASETS[dataset]
    except KeyError:
        raise ValueError(
            f"unknown planar dataset {dataset!r}; choose one of: "
            f"{', '.join(scratch_data.PLANAR_DATASETS)}"
        ) from None
    X, Y = generator(m=m, seed=seed, dtype=dtype)
    return Arrays(X, Y, kind="planar")


def _house_prices(m=100, seed=0, dtype=np.float64):
    X, Y = scratch_data.make_house_prices(m=m, seed=seed, dtype=dtype)
    return Arrays(X, Y, kind="regression")


def _parity(n_bits=4, centered=True, dtype=np.float64):
    X, Y = make_parity(n_bits, centered, dtype)
    return Arrays(X, Y, kind="bits")


# Data module class name -> builder taking the module's constructor arguments.
LOADERS = {
    "CatDataModule": _cat,
    "DigitsDataModule": _digits,
    "PlanarDataModule": _planar,
    "HousePriceDataModule": _house_prices,
    "ParityDataModule": _parity,
}


def load_arrays(data_name, data_args, dtype=np.float64):
    """The arrays of data module ``data_name`` built with ``data_args``, in ``dtype``."""
    try:
        loader = LOADERS[data_name]
    except KeyError:
        raise ValueError(
            f"no NumPy loader for data module {data_name!r}; known: {', '.join(LOADERS)}"
        ) from None
    return loader(**data_args, dtype=np.dtype(dtype))
