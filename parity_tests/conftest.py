"""Shared fixtures for the whole suite."""

import pytest

from scratch.data import find_cat_data_dir
from scratch.errors import DatasetNotFoundError


@pytest.fixture(scope="session")
def cat_data_dir():
    """Folder holding the course's cat vs non-cat HDF5 files; skips the test when absent."""
    try:
        return find_cat_data_dir()
    except DatasetNotFoundError as exc:
        pytest.skip(f"cat vs non-cat files not found, set NNDL_DATA_DIR to their folder ({exc})")


def pytest_configure(config):
    # Lightning 2.6 calls a torch.utils._pytree API that torch 2.13 deprecates; the warning
    # is about the two libraries, not this project, and repeats on every Trainer.fit.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:`isinstance\(treespec, LeafSpec\)` is deprecated:FutureWarning",
    )


@pytest.fixture(autouse=True, scope="session")
def single_threaded_torch():
    """Run torch on one thread: the suite's problems are tiny, and on a small shared
    machine OpenMP's waiting threads cost far more than they gain (measured on 2 busy
    cores: 34 s for the parity files with torch's default threads, 12 s with one)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
