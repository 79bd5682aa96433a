"""The course's data sets as Lightning data modules, for full-batch gradient descent.

Each module wraps a loader of :mod:`scratch.data`, so both engines train on
the very same arrays. Data is loaded in ``setup``; afterwards the module holds
tensors in course layout::

    dm = PlanarDataModule()             # the week-3 flower
    dm.setup("fit")
    dm.X_train, dm.Y_train              # (2, 400), (1, 400)
    dm.X_test                           # None: the planar sets have no test split

``train_dataloader()`` yields the whole training set as one batch (X, Y),
``steps_per_epoch`` times per epoch (default 1): a larger value lets one
Lightning epoch hold many gradient-descent steps, which saves Lightning's
per-epoch work on long runs without changing any step.

``test_dataloader()`` yields the test set, or, for a data set without one
(``test_split == "train"``), the training set; :class:`torch_ref.CourseModule`
then logs those metrics under ``train/`` rather than ``test/``.

In a data-parallel run (``make_trainer(devices=N, strategy="ddp")``) each
process is served its own contiguous block of the columns, without padding
(:func:`torch_ref.distributed.shard_columns`).
"""

import inspect
import itertools
from typing import Optional

import lightning as L
import numpy as np
import torch

from scratch import data as scratch_data
from scratch.validation import check_positive
from torch_ref.distributed import shard_columns
from torch_ref.models import DTypeLike, numpy_dtype, torch_dtype


class FullBatchLoader:
    """The same batch (X, Y), ``steps_per_epoch`` times: full-batch gradient descent.

    Parameters
    ----------
    X : torch.Tensor, shape (n_x, m)
    Y : torch.Tensor, shape (n_y, m)
    steps_per_epoch : int
    """

    def __init__(self, X, Y, steps_per_epoch=1):
        self.X = X
        self.Y = Y
        self.steps_per_epoch = check_positive("steps_per_epoch", steps_per_epoch, integer=True)

    def __iter__(self):
        return itertools.repeat((self.X, self.Y), self.steps_per_epoch)

    def __len__(self):
        return self.steps_per_epoch


class FullBatchDataModule(L.LightningDataModule):
    """A data set held whole in memory, served as one batch per step.

    Subclasses name their ``source``: a torch-free function of :mod:`scratch.data`
    whose parameters are the module's own arguments (``steps_per_epoch`` aside) and
    which returns (X, Y) or an :class:`~scratch.data.ImageDataset`. The module keeps
    each argument as the attribute of the same name and calls the source with them
    in ``setup``; so does a NumPy-only program (:func:`experiments.data.load_data`),
    without PyTorch, and both engines train on the same arrays. A subclass may
    instead implement ``_load()``, returning NumPy arrays (X_train, Y_train,
    X_test, Y_test) in course layout. Without a test split X_test and Y_test are
    None and ``test_split`` is "train".

    Attributes
    ----------
    X_train : torch.Tensor, shape (n_x, m_train), after ``setup``
    Y_train : torch.Tensor, shape (n_y, m_train), after ``setup``
    X_test, Y_test : torch.Tensor or None, after ``setup``
    """

    test_split = "test"
    source = None

    def __init__(self, dtype: DTypeLike = "float64", steps_per_epoch: int = 1):
        super().__init__()
        torch_dtype(dtype)  # reject a bad dtype now rather than in setup
        self.dtype = numpy_dtype(dtype)
        self.steps_per_epoch = check_positive("steps_per_epoch", steps_per_epoch, integer=True)
        self.X_train = self.Y_train = self.X_test = self.Y_test = None
        self._on_device = {}

    def source_args(self):
        """The arguments of ``source``: the module's attributes of the same names."""
        return {name: getattr(self, name) for name in inspect.signature(self.source).parameters}

    def _load(self):
        if self.source is None:
            raise NotImplementedError(f"{type(self).__name__} names no source and has no _load")
        arrays = scratch_data.source_arrays(type(self).source(**self.source_args()))
        if arrays[4] is not None:
            self.classes = list(arrays[4])
        return arrays[:4]

    def setup(self, stage=None):
        if self.X_train is not None:
            return
        self.setup_from(self._load())

    def setup_from(self, arrays):
        """Set up on (X_train, Y_train, X_test, Y_test) already loaded from this module's source.

        The tensors share the arrays' memory: no copy of the data set.
        """
        self.X_train, self.Y_train, self.X_test, self.Y_test = (
            None if array is None else torch.as_tensor(array) for array in arrays
        )

    def _shard(self, X, Y):
        """This process's columns of X (n_x, m) and Y (n_y, m): all of them in one process."""
        trainer = self.trainer
        if trainer is None or trainer.world_size == 1:
            return X, Y
        columns = shard_columns(X.shape[1], trainer.world_size, trainer.global_rank)
        # A copy, so that each process's batch is one contiguous block in memory.
        return X[:, columns].contiguous(), Y[:, columns].contiguous()

    def train_dataloader(self):
        return FullBatchLoader(*self._shard(self.X_train, self.Y_train), self.steps_per_epoch)

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        # The same (X, Y) comes at every step: move it to the device once, not per step.
        key = (id(batch[0]), id(batch[1]), device)
        if key not in self._on_device:
            moved = super().transfer_batch_to_device(batch, device, dataloader_idx)
            # Keeping the originals keeps their ids from being reused by other tensors.
            self._on_device[key] = (batch, moved)
        return self._on_device[key][1]

    def test_dataloader(self):
        if self.X_test is None:
            return FullBatchLoader(*self._shard(self.X_train, self.Y_train))
        return FullBatchLoader(*self._shard(self.X_test, self.Y_test))


class ArrayDataModule(FullBatchDataModule):
    """Arrays already in memory (NumPy, torch or nested lists; float32 or float64) as a data module.

    Parameters
    ----------
    X_train : array, shape (n_x, m_train)
    Y_train : array, shape (n_y, m_train)
    X_test, Y_test : array, optional
        Without them, ``trainer.test`` evaluates the training set (``test_split`` "train").
    steps_per_epoch : int
    """

    def __init__(self, X_train, Y_train, X_test=None, Y_test=None, *, steps_per_epoch: int = 1):
        arrays = [array if array is None or isinstance(array, torch.Tensor) else np.asarray(array)
                  for array in (X_train, Y_train, X_test, Y_test)]
        super().__init__(arrays[0].dtype, steps_per_epoch)
        self._arrays = tuple(arrays)
        self.test_split = "train" if X_test is None else "test"

    def _load(self):
        return self._arrays


class CatDataModule(FullBatchDataModule):
    """The course's cat vs non-cat images: X_train (12288, 209), X_test (12288, 50).

    Parameters
    ----------
    data_dir : str, optional
        Folder holding the two HDF5 files; by default ``$NNDL_DATA_DIR``, then
        ``./datasets`` (see :func:`scratch.data.find_cat_data_dir`).
    """

    source = staticmethod(scratch_data.load_cat_dataset)

    def __init__(
        self,
        data_dir: Optional[str] = None,
        dtype: DTypeLike = "float64",
        *,
        steps_per_epoch: int = 1,
    ):
        super().__init__(dtype, steps_per_epoch)
        self.save_hyperparameters()
        self.data_dir = data_dir


class DigitsDataModule(FullBatchDataModule):
    """scikit-learn's 8x8 digits as "``positive_digit`` or not": X_train (64, m_train)."""

    source = staticmethod(scratch_data.load_digits_binary)

    def __init__(
        self,
        positive_digit: int = 0,
        seed: Optional[int] = 0,
        dtype: DTypeLike = "float64",
        *,
        test_fraction: float = 0.2,
        steps_per_epoch: int = 1,
    ):
        super().__init__(dtype, steps_per_epoch)
        self.save_hyperparameters()
        self.positive_digit = positive_digit
        self.seed = seed
        self.test_fraction = test_fraction


class PlanarDataModule(FullBatchDataModule):
    """Week 3's planar sets, X (2, m), no test split.

    Parameters
    ----------
    dataset : str
        A name in :data:`scratch.data.PLANAR_DATASETS`: "flower" (the course's
        default), "noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles".
    """

    test_split = "train"
    source = staticmethod(scratch_data.make_planar)

    def __init__(
        self,
        dataset: str = "flower",
        m: int = 400,
        seed: Optional[int] = 1,
        dtype: DTypeLike = "float64",
        *,
        steps_per_epoch: int = 1,
    ):
        scratch_data.planar_maker(dataset)  # an unknown name fails here, not in setup
        super().__init__(dtype, steps_per_epoch)
        self.save_hyperparameters()
        self.dataset = dataset
        self.m = m
        self.seed = seed


class HousePriceDataModule(FullBatchDataModule):
    """Week 1's house sizes and prices, X (1, m) and Y (1, m), no test split."""

    test_split = "train"
    source = staticmethod(scratch_data.make_house_prices)

    def __init__(
        self,
        m: int = 100,
        seed: Optional[int] = 0,
        dtype: DTypeLike = "float64",
        *,
        steps_per_epoch: int = 1,
    ):
        super().__init__(dtype, steps_per_epoch)
        self.save_hyperparameters()
        self.m = m
        self.seed = seed
