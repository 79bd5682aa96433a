"""Data sets: exact course reproductions, shapes in course notation, loader errors."""

import h5py
import numpy as np
import pytest

from scratch.data import (
    CAT_FILES,
    PLANAR_DATASETS,
    CatDataset,
    find_cat_data_dir,
    load_cat_dataset,
    load_digits_binary,
    make_blobs_binary,
    make_flower,
    make_gaussian_quantiles,
    make_house_prices,
    make_noisy_circles,
    make_noisy_moons,
)
from scratch.errors import DatasetFormatError, DatasetNotFoundError

GENERATORS = [*PLANAR_DATASETS.values(), make_house_prices]


def _name(func):
    return func.__name__


# --- make_flower ------------------------------------------------------------------


def _course_flower(m, seed):
    """The course's load_planar_dataset, re-derived with the global legacy generator."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        N = m // 2
        X = np.zeros((m, 2))
        Y = np.zeros((m, 1), dtype="uint8")
        for j in range(2):
            t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
            r = 4 * np.sin(4 * t) + np.random.randn(N) * 0.2
            for i in range(N):
                X[N * j + i] = [r[i] * np.sin(t[i]), r[i] * np.cos(t[i])]
                Y[N * j + i] = j
        return X.T, Y.T
    finally:
        np.random.set_state(state)


def test_flower_shapes_and_balance():
    X, Y = make_flower()
    assert X.shape == (2, 400)
    assert Y.shape == (1, 400)
    assert X.dtype == Y.dtype == np.float64
    assert int(Y.sum()) == 200
    np.testing.assert_array_equal(np.unique(Y), [0.0, 1.0])


def test_flower_course_first_point():
    X, Y = make_flower()
    np.testing.assert_allclose(X[:, 0], [1.20444229, 3.57611415], rtol=1e-8)
    assert Y[0, 0] == 0 and Y[0, -1] == 1


@pytest.mark.parametrize("m, seed", [(400, 1), (10, 1), (50, 7)])
def test_flower_matches_course_derivation(m, seed):
    X, Y = make_flower(m=m, seed=seed)
    X_ref, Y_ref = _course_flower(m, seed)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)


def test_flower_deterministic_and_seed_dependent():
    X1, _ = make_flower(seed=3)
    X2, _ = make_flower(seed=3)
    X3, _ = make_flower(seed=4)
    np.testing.assert_array_equal(X1, X2)
    assert not np.allclose(X1, X3)


def test_flower_leaves_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    make_flower()
    np.testing.assert_array_equal(np.random.rand(3), expected)


@pytest.mark.parametrize("m", [0, -2, 3, 401])
def test_flower_rejects_bad_m_values(m):
    with pytest.raises(ValueError, match="m "):
        make_flower(m=m)


# --- shared generator behaviour ------------------------------------------------------


@pytest.mark.parametrize("make", GENERATORS, ids=_name)
@pytest.mark.parametrize("m", [0, -4])
def test_generators_reject_non_positive_m(make, m):
    with pytest.raises(ValueError, match="positive"):
        make(m=m)


@pytest.mark.parametrize("make", GENERATORS, ids=_name)
@pytest.mark.parametrize("m", [2.0, "200", True, None])
def test_generators_reject_non_integer_m(make, m):
    with pytest.raises(TypeError, match="integer"):
        make(m=m)


@pytest.mark.parametrize("make", GENERATORS, ids=_name)
def test_generators_reject_non_float_dtype(make):
    with pytest.raises(TypeError, match="float32 or float64"):
        make(dtype=np.int64)


@pytest.mark.parametrize("make", GENERATORS, ids=_name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_generators_honour_dtype(make, dtype):
    X, Y = make(dtype=dtype)
    assert X.dtype == dtype
    assert Y.dtype == dtype


@pytest.mark.parametrize("make", GENERATORS, ids=_name)
def test_generators_deterministic_for_a_seed(make):
    X1, Y1 = make(seed=11)
    X2, Y2 = make(seed=11)
    X3, _ = make(seed=12)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)


# --- week 3's other planar sets ---------------------------------------------------------


def test_planar_registry():
    assert set(PLANAR_DATASETS) == {
        "flower", "noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles",
    }


@pytest.mark.parametrize("name", sorted(PLANAR_DATASETS))
@pytest.mark.parametrize("m", [200, 60])
def test_planar_shapes_and_labels(name, m):
    X, Y = PLANAR_DATASETS[name](m=m)
    assert X.shape == (2, m)
    assert Y.shape == (1, m)
    np.testing.assert_array_equal(np.unique(Y), [0.0, 1.0])
    assert np.isfinite(X).all()


def _sklearn_reference(name, m, seed):
    """The course's load_extra_datasets calls, seeded, in course layout."""
    import sklearn.datasets as skd

    if name == "noisy_circles":
        X, y = skd.make_circles(n_samples=m, factor=0.5, noise=0.3, random_state=seed)
    elif name == "noisy_moons":
        X, y = skd.make_moons(n_samples=m, noise=0.2, random_state=seed)
    elif name == "blobs":
        X, y = skd.make_blobs(n_samples=m, random_state=seed, n_features=2, centers=6)
        y = y % 2
    else:
        X, y = skd.make_gaussian_quantiles(
            mean=None, cov=0.5, n_samples=m, n_features=2, n_classes=2, shuffle=True,
            random_state=seed,
        )
    return X.T, y.reshape(1, -1)


@pytest.mark.parametrize(
    "make, name",
    [
        (make_noisy_circles, "noisy_circles"),
        (make_noisy_moons, "noisy_moons"),
        (make_blobs_binary, "blobs"),
        (make_gaussian_quantiles, "gaussian_quantiles"),
    ],
    ids=["noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles"],
)
def test_extra_planar_match_course_calls(make, name):
    X, Y = make(m=150, seed=5)
    X_ref, Y_ref = _sklearn_reference(name, 150, 5)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)


# --- house prices -------------------------------------------------------------------


def test_house_prices_shapes_and_units():
    X, Y = make_house_prices()
    assert X.shape == (1, 100)
    assert Y.shape == (1, 100)
    assert X.min() >= 0.5 and X.max() <= 3.5
    assert (Y >= 0).all()
    # Small houses (well under 1000 sq ft) cost about nothing, large ones several 100k.
    assert Y[X < 0.8].max() < 0.1
    assert Y[X > 3.0].min() > 3.0


def test_house_prices_fit_by_one_relu_neuron():
    X, Y = make_house_prices(m=200, seed=1)
    w, b, lr = 1.0, 0.0, 0.05
    for _ in range(3000):
        Z = w * X + b
        A = np.maximum(0.0, Z)
        dZ = (A - Y) * (Z > 0)
        w -= lr * float(np.mean(dZ * X))
        b -= lr * float(np.mean(dZ))
    mse = float(np.mean((np.maximum(0.0, w * X + b) - Y) ** 2))
    assert mse < 0.02  # the noise variance is 0.01
    assert w == pytest.approx(2.0, rel=0.1)


# --- digits ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return load_digits_binary()


def test_digits_shapes(digits):
    assert isinstance(digits, CatDataset)
    assert digits.X_train.shape == (64, 1437)
    assert digits.Y_train.shape == (1, 1437)
    assert digits.X_test.shape == (64, 360)
    assert digits.Y_test.shape == (1, 360)
    assert digits.classes == ["not-0", "0"]


@pytest.mark.parametrize("part", ["X_train", "X_test"])
def test_digits_pixels_scaled(digits, part):
    X = getattr(digits, part)
    assert X.min() == 0.0
    assert X.max() == 1.0


@pytest.mark.parametrize("part", ["Y_train", "Y_test"])
def test_digits_labels_binary_with_both_classes(digits, part):
    Y = getattr(digits, part)
    np.testing.assert_array_equal(np.unique(Y), [0.0, 1.0])
    # Stratified: about 1 image in 10 is the positive digit in both parts.
    assert 0.08 < Y.mean() < 0.12


def test_digits_other_digit_dtype_and_determinism():
    a = load_digits_binary(positive_digit=7, test_fraction=0.3, seed=2, dtype=np.float32)
    b = load_digits_binary(positive_digit=7, test_fraction=0.3, seed=2, dtype=np.float32)
    assert a.classes == ["not-7", "7"]
    assert a.X_train.dtype == a.Y_test.dtype == np.float32
    assert a.X_test.shape[1] == 540
    np.testing.assert_array_equal(a.X_train, b.X_train)


@pytest.mark.parametrize(
    "kwargs", [{"positive_digit": 10}, {"positive_digit": -1}, {"test_fraction": 0.0},
               {"test_fraction": 1.0}, {"positive_digit": 1.5}],
)
def test_digits_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        load_digits_binary(**kwargs)


# --- cat vs non-cat: the real files -------------------------------------------------


@pytest.fixture(scope="module")
def cat(cat_data_dir):
    return load_cat_dataset(cat_data_dir)


def test_cat_shapes(cat):
    assert cat.X_train.shape == (12288, 209)
    assert cat.Y_train.shape == (1, 209)
    assert cat.X_test.shape == (12288, 50)
    assert cat.Y_test.shape == (1, 50)
    assert cat.X_train.dtype == cat.Y_train.dtype == np.float64


def test_cat_values_and_classes(cat):
    assert cat.classes == ["non-cat", "cat"]
    for X in (cat.X_train, cat.X_test):
        assert X.min() >= 0.0 and X.max() <= 1.0
    for Y in (cat.Y_train, cat.Y_test):
        np.testing.assert_array_equal(np.unique(Y), [0.0, 1.0])
    assert int(cat.Y_train.sum()) == 72  # the course's count of cats in training


def test_cat_flattening_is_the_courses(cat, cat_data_dir):
    with h5py.File(cat_data_dir / CAT_FILES[0], "r") as f:
        images = f["train_set_x"][()]
        labels = f["train_set_y"][()]
    np.testing.assert_array_equal(cat.X_train, images.reshape(images.shape[0], -1).T / 255.0)
    np.testing.assert_array_equal(cat.X_train[:, 5], images[5].ravel() / 255.0)
    np.testing.assert_array_equal(cat.Y_train[0], labels)


def test_cat_via_env_var(cat_data_dir, monkeypatch, tmp_path):
    folder = cat_data_dir.resolve()  # the fixture's path may be relative to the cwd
    monkeypatch.setenv("NNDL_DATA_DIR", str(folder))
    monkeypatch.chdir(tmp_path)  # so ./datasets cannot be what is found
    assert find_cat_data_dir() == folder
    assert load_cat_dataset().X_test.shape == (12288, 50)


def test_cat_float32(cat_data_dir, cat):
    cat32 = load_cat_dataset(cat_data_dir, dtype=np.float32)
    assert cat32.X_train.dtype == cat32.Y_test.dtype == np.float32
    np.testing.assert_allclose(cat32.X_train, cat.X_train, rtol=1e-7)


# --- cat vs non-cat: finding and format errors, on files written here ----------------


def _write_cat_files(folder, skip=(), train_x_shape=(3, 64, 64, 3)):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, name, x_shape in (("train", CAT_FILES[0], train_x_shape),
                                  ("test", CAT_FILES[1], (2, 64, 64, 3))):
        with h5py.File(folder / name, "w") as f:
            data = {
                f"{prefix}_set_x": rng.integers(0, 256, size=x_shape, dtype=np.uint8),
                f"{prefix}_set_y": np.arange(x_shape[0]) % 2,
                "list_classes": np.array([b"non-cat", b"cat"]),
            }
            for key, value in data.items():
                if key not in skip:
                    f.create_dataset(key, data=value)
    return folder


def test_small_valid_files_load(tmp_path):
    folder = _write_cat_files(tmp_path / "cats")
    data = load_cat_dataset(folder)
    assert data.X_train.shape == (12288, 3)
    assert data.Y_test.shape == (1, 2)
    np.testing.assert_array_equal(data.Y_train, [[0.0, 1.0, 0.0]])


def test_missing_files_name_files_and_folders(tmp_path, monkeypatch):
    env_dir = tmp_path / "from_env"
    env_dir.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("NNDL_DATA_DIR", str(env_dir))
    monkeypatch.chdir(work)
    with pytest.raises(DatasetNotFoundError) as excinfo:
        load_cat_dataset()
    message = str(excinfo.value)
    for expected in (*CAT_FILES, str(env_dir.resolve()), str((work / "datasets").resolve()),
                     "NNDL_DATA_DIR", "data_dir"):
        assert expected in message


def test_explicit_data_dir_does_not_fall_back(tmp_path, monkeypatch):
    good = _write_cat_files(tmp_path / "good")
    monkeypatch.setenv("NNDL_DATA_DIR", str(good))
    wrong = tmp_path / "wrong"
    with pytest.raises(DatasetNotFoundError) as excinfo:
        load_cat_dataset(wrong)
    message = str(excinfo.value)
    assert str(wrong.resolve()) in message
    assert str(good) not in message


def test_only_one_file_is_not_enough(tmp_path):
    folder = _write_cat_files(tmp_path / "half")
    (folder / CAT_FILES[1]).unlink()
    with pytest.raises(DatasetNotFoundError, match=f"missing {CAT_FILES[1]}"):
        find_cat_data_dir(folder)


def test_find_returns_absolute_path(tmp_path, monkeypatch):
    _write_cat_files(tmp_path / "datasets")
    monkeypatch.delenv("NNDL_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    found = find_cat_data_dir()
    assert found.is_absolute()
    assert found == (tmp_path / "datasets").resolve()


def test_not_hdf5_is_a_format_error(tmp_path):
    folder = _write_cat_files(tmp_path / "cats")
    (folder / CAT_FILES[0]).write_text("this is not an HDF5 file\n")
    with pytest.raises(DatasetFormatError, match=CAT_FILES[0]):
        load_cat_dataset(folder)


@pytest.mark.parametrize("missing", ["train_set_x", "train_set_y", "test_set_x", "test_set_y"])
def test_missing_dataset_is_named(tmp_path, missing):
    folder = _write_cat_files(tmp_path / "cats", skip=(missing,))
    with pytest.raises(DatasetFormatError) as excinfo:
        load_cat_dataset(folder)
    message = str(excinfo.value)
    assert f"'{missing}'" in message
    assert CAT_FILES[0 if missing.startswith("train") else 1] in message


@pytest.mark.parametrize("shape", [(3, 32, 32, 3), (3, 12288), (0, 64, 64, 3)])
def test_wrong_image_shape_is_a_format_error(tmp_path, shape):
    folder = _write_cat_files(tmp_path / "cats", train_x_shape=shape)
    with pytest.raises(DatasetFormatError, match=r"train_set_x.*\(m, 64, 64, 3\)"):
        load_cat_dataset(folder)


def test_missing_class_names_fall_back_to_course_names(tmp_path):
    folder = _write_cat_files(tmp_path / "cats", skip=("list_classes",))
    assert load_cat_dataset(folder).classes == ["non-cat", "cat"]


# --- cat vs non-cat: the course's shapes and scale, on made-up files ------------------
# Written here, so the scale and layout are tested whether or not the real files are present.
@pytest.fixture(scope="module")
def made_up_cats(tmp_path_factory):
    from helpers import write_course_shaped_cat_files

    folder = tmp_path_factory.mktemp("made_up_cats")
    return folder, write_course_shaped_cat_files(folder)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_made_up_cat_files_load_in_the_courses_layout_and_scale(made_up_cats, dtype):
    folder, written = made_up_cats
    data = load_cat_dataset(folder, dtype=dtype)
    assert data.classes == ["non-cat", "cat"]
    for prefix, X, Y, m in (("train", data.X_train, data.Y_train, 209),
                            ("test", data.X_test, data.Y_test, 50)):
        images, labels = written[prefix]
        assert X.shape == (12288, m) and Y.shape == (1, m)
        assert X.dtype == Y.dtype == dtype
        assert X.min() == 0.0 and X.max() == 1.0          # divided by 255, once
        # The course's line, train_set_x_orig.reshape(m, -1).T / 255.
        np.testing.assert_array_equal(X, (images.reshape(m, -1).T / 255.0).astype(dtype))
        np.testing.assert_array_equal(X[:, 1], 1.0)        # the all-255 image
        np.testing.assert_array_equal(X[:3, 0], np.array([0, 1, 255], dtype=dtype) / dtype(255))
        np.testing.assert_array_equal(X[:, 5], images[5].ravel() / dtype(255))
        np.testing.assert_array_equal(Y, labels.reshape(1, m).astype(dtype))


def test_made_up_cat_files_through_the_twins_data_module(made_up_cats):
    import torch

    from torch_ref.data import CatDataModule

    folder, written = made_up_cats
    module = CatDataModule(str(folder), dtype="float32")
    module.setup()
    assert module.X_train.shape == (12288, 209) and module.Y_train.shape == (1, 209)
    assert module.X_test.shape == (12288, 50) and module.Y_test.shape == (1, 50)
    assert module.X_train.dtype == torch.float32
    assert module.X_train.min().item() == 0.0 and module.X_train.max().item() == 1.0
    images, _ = written["train"]
    np.testing.assert_array_equal(module.X_train.numpy(),
                                  images.reshape(209, -1).T.astype(np.float32) / np.float32(255))
