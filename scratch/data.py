"""The course's data sets, shaped in course notation: X (n_x, m), Y (1, m).

* :func:`load_cat_dataset` reads the week-2 / week-4 cat vs non-cat HDF5 files,
  which are not shipped with the project (see :func:`find_cat_data_dir`).
* :func:`make_flower` reproduces the week-3 "flower" planar data set exactly;
  :func:`make_noisy_circles`, :func:`make_noisy_moons`, :func:`make_blobs_binary`
  and :func:`make_gaussian_quantiles` are week 3's other planar sets
  (all in :data:`PLANAR_DATASETS`; :func:`make_planar` picks one by name).
* :func:`make_house_prices` is week 1's single-neuron housing example.
* :func:`load_digits_binary` is a small image-classification set that needs no
  download (scikit-learn's 8x8 digits), for machines without the cat files.
* :func:`make_parity` is every n-bit input and its parity (XOR), for deep nets on XOR.

The data modules of :mod:`torch_ref.data` wrap these functions, each taking the
module's own arguments, so a NumPy-only program has the same arrays without PyTorch.

Everything here uses NumPy, h5py and scikit-learn only; never PyTorch.
"""

import numbers
import os
from itertools import product
from pathlib import Path
from typing import NamedTuple

import h5py
import numpy as np

from scratch.errors import DatasetFormatError, DatasetNotFoundError

__all__ = [
    "ImageDataset",
    "CatDataset",
    "CAT_FILES",
    "CAT_FILE_CHECKSUMS",
    "cat_data_candidates",
    "DATA_DIR_ENV_VAR",
    "find_cat_data_dir",
    "load_cat_dataset",
    "make_flower",
    "make_noisy_circles",
    "make_noisy_moons",
    "make_blobs_binary",
    "make_gaussian_quantiles",
    "PLANAR_DATASETS",
    "make_house_prices",
    "load_digits_binary",
]

CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")
# The course's files (week 2's assignment, datasets/): size in bytes and SHA-256 of each.
CAT_FILE_CHECKSUMS = {
    "train_catvnoncat.h5": (2572022,
                            "fbe56ab67c3ae28d564e3a644189117976d6b31af0a3ce9bb17dbf22908af242"),
    "test_catvnoncat.h5": (616958,
                           "6a9d39ce52fa85953c5834695b8534a30ed8cfd54971fb2f080b5a24d002b951"),
}
DATA_DIR_ENV_VAR = "NNDL_DATA_DIR"
DEFAULT_DATA_DIR = Path("datasets")
CAT_IMAGE_SHAPE = (64, 64, 3)
CAT_CLASSES = ["non-cat", "cat"]

# Week 1's housing example: price = relu(slope * (size - offset)) (+ noise).
HOUSE_SIZE_RANGE = (0.5, 3.5)  # thousands of square feet
HOUSE_PRICE_SLOPE = 2.0  # price units (100k) per 1000 square feet
HOUSE_PRICE_OFFSET = 1.0  # thousands of square feet: smaller houses cost ~0
HOUSE_PRICE_NOISE = 0.1  # standard deviation, in price units (100k)


class ImageDataset(NamedTuple):
    """A train / test split of flattened images in course notation.

    Attributes
    ----------
    X_train : ndarray, shape (n_x, m_train)
        One flattened image per column, pixel values scaled to [0, 1].
    Y_train : ndarray, shape (1, m_train)
        Labels 0 or 1 (1 is ``classes[1]``), same float dtype as ``X_train``.
    X_test : ndarray, shape (n_x, m_test)
        As ``X_train``.
    Y_test : ndarray, shape (1, m_test)
        As ``Y_train``.
    classes : list of str, length 2
        ``classes[label]`` names the class of a label.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    classes: list


# The cat loader and the digits loader return the same structure.
CatDataset = ImageDataset


def source_arrays(loaded):
    """(X_train, Y_train, X_test, Y_test, classes) of what a data set's function returned.

    ``loaded`` is (X, Y), a set without a test split or class names, or an
    :class:`ImageDataset`. The data modules of :mod:`torch_ref.data` and the
    NumPy-only runs of :mod:`experiments.data` read their sources through it.
    """
    if isinstance(loaded, ImageDataset):
        return loaded.X_train, loaded.Y_train, loaded.X_test, loaded.Y_test, loaded.classes
    X, Y = loaded
    return X, Y, None, None, None


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _check_m(m, even=False):
    if isinstance(m, bool) or not isinstance(m, numbers.Integral):
        raise TypeError(f"m (number of examples) must be an integer, got {m!r}")
    if m <= 0:
        raise ValueError(f"m (number of examples) must be positive, got {m}")
    if even and m % 2:
        raise ValueError(
            f"m (number of examples) must be even (half of the points in each class), got {m}"
        )
    return int(m)


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _to_course_layout(X, y, dtype):
    """(m, n_x) features and (m,) labels -> X (n_x, m), Y (1, m) in ``dtype``."""
    return X.T.astype(dtype), np.asarray(y).reshape(1, -1).astype(dtype)


# ---------------------------------------------------------------------------
# Cat vs non-cat
# ---------------------------------------------------------------------------


def cat_data_candidates(data_dir=None):
    """The folders looked in for the cat files, in order: [(absolute path, where it came from)].

    ``data_dir`` alone when given; otherwise ``$NNDL_DATA_DIR`` (when set), then ``./datasets``.
    """
    if data_dir is not None:
        candidates = [(Path(data_dir), "data_dir argument")]
    else:
        candidates = []
        env_dir = os.environ.get(DATA_DIR_ENV_VAR)
        if env_dir:
            candidates.append((Path(env_dir), f"${DATA_DIR_ENV_VAR}"))
        candidates.append((DEFAULT_DATA_DIR, "default"))
    return [(folder.expanduser().resolve(), source) for folder, source in candidates]


def find_cat_data_dir(data_dir=None):
    """Find the folder that holds both cat vs non-cat files.

    Looks in ``data_dir`` when given (and only there, so a wrong explicit
    argument is reported instead of silently replaced); otherwise in the folder
    named by the ``NNDL_DATA_DIR`` environment variable, then in ``./datasets``.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder that should hold ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    Returns
    -------
    folder : pathlib.Path
        Absolute path of the first folder that holds both files.

    Raises
    ------
    DatasetNotFoundError
        If no folder looked in holds both files; the message names the files,
        every folder looked in and how to fix it.
    """
    looked = []
    for folder, source in cat_data_candidates(data_dir):
        missing = [name for name in CAT_FILES if not (folder / name).is_file()]
        if not missing:
            return folder
        if not folder.is_dir():
            why = "no such folder"
        else:
            why = "missing " + ", ".join(missing)
        looked.append(f"{folder} ({source}): {why}")

    hint = (
        "pass data_dir= to point at the folder that holds both files"
        if data_dir is not None
        else f"pass data_dir= or set the {DATA_DIR_ENV_VAR} environment variable to the "
        "folder that holds both files"
    )
    raise DatasetNotFoundError(
        f"cat vs non-cat data not found: need both {CAT_FILES[0]} and {CAT_FILES[1]} in one "
        "folder. Looked in:\n" + "\n".join(f"  {place}" for place in looked)
        + f"\nTo fix it, {hint}.",
        looked,
    )


def _one_line(exc):
    """An exception's message on one line (HDF5's can span several)."""
    return " ".join(str(exc).split())


def _read_cat_file(path, prefix):
    """Read ``{prefix}_set_x`` / ``{prefix}_set_y`` (and the class names) from one file.

    Every failure is one :class:`DatasetFormatError` line naming the file (and
    the dataset): an unreadable or truncated file, a missing dataset, a chunk
    that does not decompress, wrong shapes, pixels that are not whole numbers
    in [0, 255] (images already scaled to [0, 1] would be divided by 255
    twice), NaN, labels other than 0 and 1.
    """
    x_key, y_key = f"{prefix}_set_x", f"{prefix}_set_y"
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise DatasetFormatError(f"{path} is not a readable HDF5 file ({_one_line(exc)})") from exc
    with handle:
        for key in (x_key, y_key):
            if not isinstance(handle.get(key), h5py.Dataset):
                present = ", ".join(sorted(handle.keys())) or "nothing"
                raise DatasetFormatError(
                    f"{path} has no dataset '{key}' (it holds: {present}); expected "
                    f"'{x_key}' and '{y_key}'"
                )
        read = {}
        keys = [x_key, y_key]
        if isinstance(handle.get("list_classes"), h5py.Dataset):
            keys.append("list_classes")
        for key in keys:
            try:
                read[key] = handle[key][()]
            except (OSError, ValueError, TypeError) as exc:
                raise DatasetFormatError(
                    f"{path}: dataset '{key}' cannot be read, the file is damaged "
                    f"({_one_line(exc)})"
                ) from exc
    x, y, classes = read[x_key], read[y_key], read.get("list_classes")

    if x.ndim != 4 or x.shape[1:] != CAT_IMAGE_SHAPE or x.shape[0] == 0:
        raise DatasetFormatError(
            f"{path}: '{x_key}' has shape {x.shape}, expected (m, 64, 64, 3) with m >= 1"
        )
    m = x.shape[0]
    if y.shape not in ((m,), (1, m)):
        raise DatasetFormatError(
            f"{path}: '{y_key}' has shape {y.shape}, expected ({m},) to match '{x_key}'"
        )
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        bad = int(x.size - np.count_nonzero(np.isfinite(x)))
        raise DatasetFormatError(
            f"{path}: '{x_key}' contains {bad} NaN or inf pixel value(s), expected uint8 pixels"
        )
    if np.issubdtype(x.dtype, np.floating):
        raise DatasetFormatError(
            f"{path}: '{x_key}' holds {x.dtype} pixels in [{x.min():g}, {x.max():g}], "
            "expected whole numbers 0 to 255 (uint8) as in the course's files; images "
            "already scaled would be divided by 255 a second time"
        )
    if not np.issubdtype(x.dtype, np.integer):
        raise DatasetFormatError(f"{path}: '{x_key}' has dtype {x.dtype}, expected uint8 pixels")
    if x.min() < 0 or x.max() > 255:
        raise DatasetFormatError(
            f"{path}: '{x_key}' values span [{x.min()}, {x.max()}], expected pixels in [0, 255]"
        )
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_) or \
            not np.isin(y, (0, 1)).all():
        raise DatasetFormatError(f"{path}: '{y_key}' must hold labels 0 or 1")
    if classes is not None:
        classes = [c.decode() if isinstance(c, bytes) else str(c) for c in np.ravel(classes)]
        if len(classes) != 2:
            raise DatasetFormatError(
                f"{path}: 'list_classes' holds {len(classes)} names, expected 2"
            )
    return x, y, classes


def load_cat_dataset(data_dir=None, dtype=np.float64):
    """Load the course's cat vs non-cat images, flattened and scaled as in the course.

    The folder is found by :func:`find_cat_data_dir`. Each image becomes one
    column, ``train_set_x_orig.reshape(m, -1).T / 255.`` exactly as the course
    does (C order of (64, 64, 3): colour varies fastest).

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``; by
        default ``$NNDL_DATA_DIR``, then ``./datasets``.
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    CatDataset
        ``X_train`` (12288, 209), ``Y_train`` (1, 209), ``X_test`` (12288, 50),
        ``Y_test`` (1, 50) for the course's files, X in [0, 1], Y in {0, 1}
        (1 = cat); ``classes`` is ``['non-cat', 'cat']``.

    Raises
    ------
    DatasetNotFoundError
        If the two files are not found (see :func:`find_cat_data_dir`).
    DatasetFormatError
        One line naming the file: not HDF5 or damaged, a dataset missing,
        wrong shapes, pixels that are not uint8-style whole numbers in
        [0, 255] (float pixels are refused, never scaled a second time), NaN,
        labels other than 0 and 1.
    """
    dtype = _check_dtype(dtype)
    folder = find_cat_data_dir(data_dir)
    train_x, train_y, classes = _read_cat_file(folder / CAT_FILES[0], "train")
    test_x, test_y, _ = _read_cat_file(folder / CAT_FILES[1], "test")

    def flatten(images):
        return images.reshape(images.shape[0], -1).T.astype(dtype) / dtype.type(255)

    def labels(y):
        return y.reshape(1, -1).astype(dtype)

    return CatDataset(
        X_train=flatten(train_x),
        Y_train=labels(train_y),
        X_test=flatten(test_x),
        Y_test=labels(test_y),
        classes=classes if classes is not None else list(CAT_CLASSES),
    )


# ---------------------------------------------------------------------------
# Week 3: planar data sets
# ---------------------------------------------------------------------------


def make_flower(m=400, seed=1, dtype=np.float64):
    """Generate the course's two-class "flower" planar data set, exactly.

    Reproduces the course's ``load_planar_dataset()`` value for value: the
    default arguments give the notebook's X and Y. The course draws from NumPy's
    legacy generator after ``np.random.seed(seed)``; this uses a private
    ``np.random.RandomState(seed)``, which yields the same numbers without
    resetting the caller's global random state.

    Parameters
    ----------
    m : int, optional
        Number of points, a positive even integer; m / 2 per class.
    seed : int, optional
        Seed of the legacy generator (the course uses 1).
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    X : ndarray, shape (2, m)
        Point coordinates; the first m / 2 columns are class 0 ("red").
    Y : ndarray, shape (1, m)
        Labels 0 or 1.

    Raises
    ------
    TypeError
        If ``m`` is not an integer or ``dtype`` is not float32 / float64.
    ValueError
        If ``m`` is not positive or not even.
    """
    m = _check_m(m, even=True)
    dtype = _check_dtype(dtype)
    rng = np.random.RandomState(seed)
    N = m // 2  # points per class
    D = 2
    a = 4  # maximum ray of the flower
    X = np.zeros((m, D))
    Y = np.zeros((m, 1), dtype=np.uint8)
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T.astype(dtype), Y.T.astype(dtype)


def make_noisy_circles(m=200, seed=0, dtype=np.float64):
    """Generate two noisy concentric circles (week 3's ``noisy_circles``).

    ``sklearn.datasets.make_circles(n_samples=m, factor=.5, noise=.3)`` as in
    the course's ``load_extra_datasets``, seeded with ``random_state=seed``.

    Parameters
    ----------
    m : int, optional
        Number of points.
    seed : int or None, optional
        ``random_state`` for scikit-learn.
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    X : ndarray, shape (2, m)
        Point coordinates.
    Y : ndarray, shape (1, m)
        Labels 0 (outer circle) or 1 (inner circle).
    """
    m = _check_m(m)
    dtype = _check_dtype(dtype)
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=m, factor=0.5, noise=0.3, random_state=seed)
    return _to_course_layout(X, y, dtype)


def make_noisy_moons(m=200, seed=0, dtype=np.float64):
    """Generate two interleaved noisy half-moons (week 3's ``noisy_moons``).

    ``sklearn.datasets.make_moons(n_samples=m, noise=.2)`` as in the course,
    seeded with ``random_state=seed``.

    Parameters
    ----------
    m : int, optional
        Number of points.
    seed : int or None, optional
        ``random_state`` for scikit-learn.
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    X : ndarray, shape (2, m)
        Point coordinates.
    Y : ndarray, shape (1, m)
        Labels 0 or 1 (one per moon).
    """
    m = _check_m(m)
    dtype = _check_dtype(dtype)
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=m, noise=0.2, random_state=seed)
    return _to_course_layout(X, y, dtype)


def make_blobs_binary(m=200, seed=0, dtype=np.float64):
    """Generate six Gaussian blobs folded into two classes (week 3's ``blobs``).

    ``sklearn.datasets.make_blobs(n_samples=m, n_features=2, centers=6)`` with
    labels folded by ``% 2``, as in the course; the course used
    ``random_state=5`` (pass ``seed=5`` for its picture).

    Parameters
    ----------
    m : int, optional
        Number of points.
    seed : int or None, optional
        ``random_state`` for scikit-learn (it also places the centres).
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    X : ndarray, shape (2, m)
        Point coordinates.
    Y : ndarray, shape (1, m)
        Labels 0 (even-numbered blobs) or 1 (odd-numbered blobs).
    """
    m = _check_m(m)
    dtype = _check_dtype(dtype)
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=m, n_features=2, centers=6, random_state=seed)
    return _to_course_layout(X, y % 2, dtype)


def make_gaussian_quantiles(m=200, seed=0, dtype=np.float64):
    """Generate a Gaussian split into an inner and an outer shell (week 3).

    ``sklearn.datasets.make_gaussian_quantiles(mean=None, cov=0.5, n_features=2,
    n_classes=2, shuffle=True)`` as in the course, seeded with
    ``random_state=seed``.

    Parameters
    ----------
    m : int, optional
        Number of points.
    seed : int or None, optional
        ``random_state`` for scikit-learn.
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    X : ndarray, shape (2, m)
        Point coordinates.
    Y : ndarray, shape (1, m)
        Labels 0 (inner points) or 1 (outer points).
    """
    m = _check_m(m)
    dtype = _check_dtype(dtype)
    from sklearn.datasets import make_gaussian_quantiles as sk_make_gaussian_quantiles

    X, y = sk_make_gaussian_quantiles(
        mean=None, cov=0.5, n_samples=m, n_features=2, n_classes=2, shuffle=True,
        random_state=seed,
    )
    return _to_course_layout(X, y, dtype)


PLANAR_DATASETS = {
    "flower": make_flower,
    "noisy_circles": make_noisy_circles,
    "noisy_moons": make_noisy_moons,
    "blobs": make_blobs_binary,
    "gaussian_quantiles": make_gaussian_quantiles,
}


def planar_maker(dataset):
    """The maker of the planar set called ``dataset`` in :data:`PLANAR_DATASETS`.

    Raises
    ------
    ValueError
        One line naming the known sets, for an unknown name.
    """
    if dataset not in PLANAR_DATASETS:
        raise ValueError(
            f"unknown planar dataset {dataset!r}; choose one of: {', '.join(PLANAR_DATASETS)}"
        )
    return PLANAR_DATASETS[dataset]


def make_planar(dataset="flower", m=400, seed=1, dtype=np.float64):
    """The planar set called ``dataset`` (week 3's flower by default): X (2, m), Y (1, m).

    Parameters
    ----------
    dataset : str
        A name in :data:`PLANAR_DATASETS`.
    m, seed, dtype
        As for the set's maker (:func:`make_flower`, ...).

    Returns
    -------
    X : ndarray, shape (2, m)
    Y : ndarray, shape (1, m)
    """
    return planar_maker(dataset)(m, seed, dtype)


# ---------------------------------------------------------------------------
# Week 1: house prices
# ---------------------------------------------------------------------------


def make_house_prices(m=100, seed=0, dtype=np.float64):
    """Generate week 1's house-price example, which one ReLU neuron fits.

    Sizes are uniform in [0.5, 3.5] thousand square feet; the price is
    ``max(0, 2.0 * (size - 1.0) + noise)`` in units of 100 000 (dollars), with
    Gaussian noise of standard deviation 0.1 (10 000). Small houses cost about
    nothing and larger ones grow linearly, the course's "ReLU" picture. The
    noise sits inside the max so that no price is negative.

    Parameters
    ----------
    m : int, optional
        Number of houses.
    seed : int or None, optional
        Seed of ``np.random.default_rng``.
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    X : ndarray, shape (1, m)
        House sizes, in thousands of square feet.
    Y : ndarray, shape (1, m)
        Prices, in hundreds of thousands (of dollars), all >= 0.
    """
    m = _check_m(m)
    dtype = _check_dtype(dtype)
    rng = np.random.default_rng(seed)
    size = rng.uniform(*HOUSE_SIZE_RANGE, size=(1, m))
    noise = rng.normal(0.0, HOUSE_PRICE_NOISE, size=(1, m))
    price = np.maximum(0.0, HOUSE_PRICE_SLOPE * (size - HOUSE_PRICE_OFFSET) + noise)
    return size.astype(dtype), price.astype(dtype)


# ---------------------------------------------------------------------------
# Digits: image classification with no download
# ---------------------------------------------------------------------------


def load_digits_binary(positive_digit=0, test_fraction=0.2, seed=0, dtype=np.float64):
    """Load scikit-learn's 8x8 digits as a binary "this digit or not" task.

    A stand-in for the cat data set that works on any machine (the digits ship
    with scikit-learn). The split is stratified, so both classes appear in the
    train and the test set in the same proportion (about 1 in 10 positives).

    Parameters
    ----------
    positive_digit : int, optional
        The digit (0 to 9) labelled 1; every other digit is labelled 0.
    test_fraction : float, optional
        Fraction of the 1797 images put in the test set, in (0, 1).
    seed : int or None, optional
        ``random_state`` of ``sklearn.model_selection.train_test_split``.
    dtype : numpy dtype, optional
        float64 (default) or float32, for both X and Y.

    Returns
    -------
    ImageDataset
        ``X_train`` (64, m_train) and ``X_test`` (64, m_test), one 8x8 image per
        column (C order), pixels scaled to [0, 1]; ``Y_train`` (1, m_train) and
        ``Y_test`` (1, m_test) in {0, 1}; ``classes`` is
        ``['not-<d>', '<d>']``.

    Raises
    ------
    ValueError
        If ``positive_digit`` is not in 0..9 or ``test_fraction`` not in (0, 1).
    """
    if (
        isinstance(positive_digit, bool)
        or not isinstance(positive_digit, numbers.Integral)
        or not 0 <= positive_digit <= 9
    ):
        raise ValueError(f"positive_digit must be an integer from 0 to 9, got {positive_digit!r}")
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, numbers.Real)
        or not 0 < test_fraction < 1
    ):
        raise ValueError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")
    dtype = _check_dtype(dtype)
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # Pixel intensities in the digits set run from 0 to 16.
    X = digits.data / 16.0
    y = (digits.target == positive_digit).astype(np.uint8)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    X_train, Y_train = _to_course_layout(X_train, y_train, dtype)
    X_test, Y_test = _to_course_layout(X_test, y_test, dtype)
    d = int(positive_digit)
    return ImageDataset(X_train, Y_train, X_test, Y_test, classes=[f"not-{d}", str(d)])


# ---------------------------------------------------------------------------
# Parity (XOR of n bits)
# ---------------------------------------------------------------------------


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
