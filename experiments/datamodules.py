"""Lightning data modules of the experiments that ``torch_ref`` does not provide.

Built on :class:`torch_ref.FullBatchDataModule` like the course's own data
sets; both engines of a run train on the arrays these modules hold.
"""

from itertools import product

import numpy as np

from torch_ref import FullBatchDataModule


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


class ParityDataModule(FullBatchDataModule):
    """Every n-bit input and its parity (xor-depth): X (n_bits, 2^n_bits), no test split.

    Parameters
    ----------
    n_bits : int
        Number of input bits.
    centered : bool
        Bits coded -1/+1 (default) instead of 0/1.
    """

    test_split = "train"

    def __init__(self, n_bits: int = 4, centered: bool = True, dtype: str = "float64",
                 *, steps_per_epoch: int = 1):
        super().__init__(dtype, steps_per_epoch)
        self.save_hyperparameters()
        self.n_bits = n_bits
        self.centered = centered

    def _load(self):
        X, Y = make_parity(self.n_bits, self.centered, self.dtype)
        return X, Y, None, None
