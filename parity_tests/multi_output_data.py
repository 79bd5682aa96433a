"""A data set with several outputs per example, for the training runs of the suite.

Importable by class path (``multi_output_data.MultiLabelPlanarDataModule``), so that a
data-parallel run started from a config (``python -m experiments fit``) can load it
when ``parity_tests`` is on ``PYTHONPATH``.
"""

import numpy as np

from torch_ref.data import PlanarDataModule


def multi_label(X, Y):
    """Y (3, m) for the flower's X (2, m) and Y (1, m): the petal label, x1 > 0, x2 > 0.5 x1."""
    return np.vstack([Y, X[:1] > 0, X[1:2] > 0.5 * X[:1]]).astype(Y.dtype)


class MultiLabelPlanarDataModule(PlanarDataModule):
    """A planar set (the flower by default) with n_y = 3 labels per point (:func:`multi_label`).

    Takes :class:`torch_ref.PlanarDataModule`'s arguments; X (2, m), Y (3, m), no test split.
    """

    def _load(self):
        X, Y, _, _ = super()._load()
        return X, multi_label(X, Y), None, None
