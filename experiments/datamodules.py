"""Lightning data modules of the experiments that ``torch_ref`` does not provide.

Built on :class:`torch_ref.FullBatchDataModule` like the course's own data
sets; both engines of a run train on the arrays these modules hold.
"""

from scratch.data import make_parity
from torch_ref import FullBatchDataModule

__all__ = ["ParityDataModule", "make_parity"]


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
    source = staticmethod(make_parity)

    def __init__(self, n_bits: int = 4, centered: bool = True, dtype: str = "float64",
                 *, steps_per_epoch: int = 1):
        super().__init__(dtype, steps_per_epoch)
        self.save_hyperparameters()
        self.n_bits = n_bits
        self.centered = centered
