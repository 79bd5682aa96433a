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
