"""Shared fixtures and settings for the whole suite."""

import os

import pytest
from hypothesis import settings

from scratch.data import find_cat_data_dir
from scratch.errors import DatasetNotFoundError

# Property-based tests draw the same examples on every run and every machine: a suite that
# can go red at random blocks everyone, and an example stored in a local database would be
# replayed here but never in CI. "deterministic" is always loaded unless HYPOTHESIS_PROFILE
# names another; "explore" (new random draws on every run) is for hunting new failures by
# hand: a failure it finds belongs in the test as an explicit @example.
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


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
