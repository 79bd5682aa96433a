"""Lightning data modules of the experiments that ``torch_ref`` does not provide.

Built on :class:`torch_ref.FullBatchDataModule` like the course's own data
sets, from the same NumPy arrays as the NumPy backend (:mod:`experiments.datasets`).
"""

from torch_ref import FullBatchDataModule

from experiments.datasets import make_parity


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
