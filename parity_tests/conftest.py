"""Shared fixtures for the whole suite."""

import os
from pathlib import Path

import pytest

CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")


def _cat_data_dir():
    candidates = []
    if os.environ.get("NNDL_DATA_DIR"):
        candidates.append(Path(os.environ["NNDL_DATA_DIR"]))
    candidates.append(Path("datasets"))
    for folder in candidates:
        if all((folder / name).is_file() for name in CAT_FILES):
            return folder
    return None


@pytest.fixture(scope="session")
def cat_data_dir():
    """Folder holding the course's cat vs non-cat HDF5 files; skips the test when absent."""
    folder = _cat_data_dir()
    if folder is None:
        pytest.skip(
            "cat vs non-cat files (train_catvnoncat.h5, test_catvnoncat.h5) not found: "
            "set NNDL_DATA_DIR to the folder that holds them"
        )
    return folder
