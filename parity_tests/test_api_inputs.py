"""The Python API under careless or hostile input, and the interface between the packages.

* Integer, boolean, list and scalar input to the building blocks is computed in
  floating point: ``sigmoid([0, 2])`` is not ``[0, 0]``, ``sigmoid(1)`` is a number.
* Bad values are refused with one line naming the thing: NaN weights, a NaN slope,
  a bad seed, a zero epsilon, a non-model, a twin where a NumPy model belongs (and
  back), damaged or already-scaled cat files.
* A classifier whose cost climbs is stopped by both engines at the same iteration.
* Models record their arguments once; the twins' signatures come from the NumPy classes.
"""

import inspect
import math
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

import scratch
import torch_ref
from scratch import activations, costs, layers
from scratch.data import CAT_FILES, load_cat_dataset, make_flower
from scratch.errors import DataError, DatasetFormatError, ShapeError, TrainingDivergedError
from scratch.training import DIVERGENCE_FACTOR, DIVERGENCE_PATIENCE, DivergenceCheck

ROOT = Path(__file__).resolve().parents[1]


# -- integer, list and scalar input ------------------------------------------------------------
FORWARD = {
    "sigmoid": activations.sigmoid,
    "tanh": activations.tanh,
    "relu": activations.relu,
    "leaky_relu": activations.leaky_relu,
    "identity": activations.identity,
}
BACKWARD = {
    "sigmoid": activations.sigmoid_backward,
    "tanh": activations.tanh_backward,
    "relu": activations.relu_backward,
    "leaky_relu": activations.leaky_relu_backward,
    "identity": activations.identity_backward,
}
INTEGER_INPUTS = {
    "list": [[-2, 0, 3]],
    "int64": np.array([[-2, 0, 3]]),
    "bool": np.array([[True, False, True]]),
}


@pytest.mark.parametrize("kind", INTEGER_INPUTS)
@pytest.mark.parametrize("name", FORWARD)
def test_activations_compute_integer_input_in_float64(name, kind):
    Z = INTEGER_INPUTS[kind]
    A, cache = FORWARD[name](Z)
    A_float, _ = FORWARD[name](np.asarray(Z, dtype=np.float64))
    assert A.dtype == cache.dtype == np.float64
    np.testing.assert_array_equal(A, A_float)


@pytest.mark.parametrize("kind", INTEGER_INPUTS)
@pytest.mark.parametrize("name", BACKWARD)
def test_activation_backward_computes_integer_input_in_float64(name, kind):
    dA = INTEGER_INPUTS[kind]
    cache = INTEGER_INPUTS[kind]
    dZ = BACKWARD[name](dA, cache)
    dZ_float = BACKWARD[name](np.asarray(dA, dtype=np.float64), np.asarray(cache, np.float64))
    assert dZ.dtype == np.float64
    np.testing.assert_array_equal(dZ, dZ_float)


def test_sigmoid_of_integers_is_the_sigmoid():
    A, _ = scratch.sigmoid([0, 2])
    np.testing.assert_allclose(A, [0.5, 1 / (1 + math.exp(-2))], rtol=1e-15)


@pytest.mark.parametrize("name", FORWARD)
@pytest.mark.parametrize("z", [1, -1.5, True])
def test_activations_take_a_python_scalar(name, z):
    A, cache = FORWARD[name](z)
    dZ = BACKWARD[name](1, z)
    A_array, _ = FORWARD[name](np.array([float(z)]))
    dZ_array = BACKWARD[name](np.array([1.0]), np.array([float(z)]))
    for value in (A, cache, dZ):
        assert isinstance(value, np.floating), type(value)
    assert float(A) == A_array[0]
    assert float(dZ) == dZ_array[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", FORWARD)
def test_activations_keep_a_float_dtype(name, dtype):
    Z = np.array([[-1.0, 0.5]], dtype=dtype)
    A, cache = FORWARD[name](Z)
    assert A.dtype == dtype and cache is Z
    assert BACKWARD[name](Z, Z).dtype == dtype


@pytest.mark.parametrize("bad", ["abc", None, np.array([["a"]])])
def test_activations_refuse_non_numbers_naming_Z(bad):
    with pytest.raises(TypeError, match="Z must hold real numbers"):
        activations.sigmoid(bad)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_layers_compute_integer_input_in_float64(activation):
    A_prev, W, b = [[1, -2], [3, 4]], [[1, 2], [-1, 1]], [[0], [1]]
    A, cache = layers.linear_activation_forward(A_prev, W, b, activation)
    floats = [np.asarray(a, dtype=np.float64) for a in (A_prev, W, b)]
    A_float, cache_float = layers.linear_activation_forward(*floats, activation)
    assert A.dtype == np.float64
    np.testing.assert_array_equal(A, A_float)
    grads = layers.linear_activation_backward([[1, 0], [2, -1]], cache, activation)
    grads_float = layers.linear_activation_backward(
        np.array([[1.0, 0.0], [2.0, -1.0]]), cache_float, activation
    )
    for got, expected in zip(grads, grads_float):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, expected)


def test_linear_backward_divides_integer_gradients_by_m():
    cache = (np.array([[1, 2]]), np.array([[3]]), np.array([[0]]))
    _, dW, db = layers.linear_backward(np.array([[1, 2]]), cache)
    np.testing.assert_array_equal(dW, [[2.5]])
    np.testing.assert_array_equal(db, [[1.5]])


@pytest.mark.parametrize("A_prev, W, b, named", [
    (1, [[1.0]], [[0.0]], "A_prev"),
    ([[1.0]], [1.0, 2.0], [[0.0]], "W"),
    ([[1.0]], [[1.0]], 0.0, "b"),
])
def test_linear_forward_names_an_input_that_is_not_a_matrix(A_prev, W, b, named):
    with pytest.raises(ShapeError, match=f"^{named} has shape"):
        layers.linear_forward(A_prev, W, b)


@pytest.mark.parametrize("cost, inputs", [
    (costs.binary_cross_entropy_from_logits, ([[0, 2]], [[1, 0]])),
    (costs.binary_cross_entropy, ([[0.25, 0.5]], [[1, 0]])),
    (costs.mean_squared_error, ([[0, 2]], [[1, 1]])),
])
def test_costs_take_integer_lists(cost, inputs):
    expected = cost(*(np.asarray(value, dtype=np.float64) for value in inputs))
    assert cost(*inputs) == expected
    assert isinstance(cost(*inputs), float)


def test_costs_refuse_mismatched_shapes():
    with pytest.raises(ShapeError, match=r"AL has shape \(1, 2\) and Y \(1, 3\)"):
        costs.mean_squared_error([[0.0, 1.0]], [[0.0, 1.0, 2.0]])


# -- bad values, named -------------------------------------------------------------------------
def _flower_model(**overrides):
    return scratch.ShallowNetwork(2, 3, init="course", seed=2, **overrides)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_load_params_refuses_non_finite_weights_naming_them(engine, bad):
    model = _flower_model()
    target = model if engine == "numpy" else torch_ref.from_scratch(model)
    before = {name: np.array(value) for name, value in torch_ref.to_numpy_params(
        torch_ref.from_scratch(model)).items()}
    params = {name: np.array(value) for name, value in model.params.items()}
    params["W2"][0, 1] = bad
    with pytest.raises(DataError, match=r"^parameter W2 contains 1 NaN or inf value") as error:
        target.load_params(params)
    assert "\n" not in str(error.value)
    after = model.params if engine == "numpy" else torch_ref.to_numpy_params(target)
    for name, value in before.items():
        np.testing.assert_array_equal(after[name], value)


def test_twin_load_params_refuses_a_non_finite_tensor():
    import torch

    twin = torch_ref.ShallowNetwork(2, 3)
    params = {name: value.detach().clone() for name, value in twin.named_parameters()}
    params["b1"][2, 0] = float("nan")
    with pytest.raises(DataError, match="^parameter b1 contains 1 NaN"):
        torch_ref.load_numpy_params(twin, params)
    assert torch.isfinite(twin.b1).all()


@pytest.mark.parametrize("slope, error", [
    (float("nan"), ValueError), (float("inf"), ValueError), ("0.1", TypeError), (True, TypeError),
])
@pytest.mark.parametrize("make", [
    pytest.param(lambda slope: scratch.ShallowNetwork(2, 3, 1, "leaky_relu", negative_slope=slope),
                 id="numpy"),
    pytest.param(lambda slope: torch_ref.ShallowNetwork(2, 3, 1, "leaky_relu",
                                                        negative_slope=slope), id="twin"),
    pytest.param(lambda slope: activations.get_activation("leaky_relu", slope), id="activation"),
])
def test_negative_slope_must_be_finite(make, slope, error):
    with pytest.raises(error, match=f"^negative_slope must be a finite number, got {slope!r}"):
        make(slope)


@pytest.mark.parametrize("init", ["he", "normal", "course", "zeros"])
@pytest.mark.parametrize("seed, error", [
    ("abc", TypeError), (-1, ValueError), (1.5, TypeError), ([1, "x"], (TypeError, ValueError)),
])
def test_a_bad_seed_is_named(init, seed, error):
    with pytest.raises(error, match=r"^seed must be None or ") as caught:
        scratch.DeepNetwork([2, 3, 1], init=init, seed=seed)
    assert "SeedSequence" not in str(caught.value)
    assert repr(seed) in str(caught.value)


def test_a_course_seed_beyond_numpys_legacy_range_is_named():
    with pytest.raises(ValueError, match=r"^seed must be None or an integer from 0 to 2\*\*32"):
        scratch.DeepNetwork([2, 3, 1], init="course", seed=2**32)


@pytest.mark.parametrize("scale", [float("inf"), float("nan"), True])
def test_scale_must_be_a_finite_positive_number(scale):
    with pytest.raises(ValueError, match="^scale must be a positive number"):
        scratch.DeepNetwork([2, 3, 1], init="normal", scale=scale)


@pytest.mark.parametrize("epsilon, error", [
    (0, ValueError), (-1e-6, ValueError), (float("nan"), ValueError), ("1e-6", TypeError),
])
@pytest.mark.parametrize("check", [scratch.gradient_check, scratch.numerical_gradients])
def test_gradient_check_refuses_a_step_that_is_not_positive(check, epsilon, error):
    X, Y = make_flower(m=4)
    with pytest.raises(error, match=f"^epsilon must be a positive number, got {epsilon!r}$"):
        check(_flower_model(), X, Y, epsilon=epsilon)


@pytest.mark.parametrize("not_a_model, expected", [
    ("ShallowNetwork", "got str"),
    (None, "got NoneType"),
    (torch_ref.ShallowNetwork(2, 3), "a PyTorch twin: train it with torch_ref.fit"),
])
def test_train_names_what_it_expects(not_a_model, expected):
    X, Y = make_flower(m=4)
    with pytest.raises(TypeError, match="^model must be a NumPy model from scratch.models") as e:
        scratch.train(not_a_model, X, Y, 0.1, 1, progress=False)
    assert expected in str(e.value)


def test_from_scratch_refuses_a_twin():
    with pytest.raises(TypeError, match="^from_scratch takes a NumPy model from scratch.models, "
                                        "got torch_ref.models.ShallowNetwork .a PyTorch twin"):
        torch_ref.from_scratch(torch_ref.ShallowNetwork(2, 3))


@pytest.mark.parametrize("call", [
    pytest.param(lambda model: torch_ref.to_numpy_params(model), id="to_numpy_params"),
    pytest.param(lambda model: torch_ref.load_numpy_params(model, model.params),
                 id="load_numpy_params"),
])
def test_twin_functions_refuse_a_numpy_model(call):
    with pytest.raises(TypeError, match=r"takes a PyTorch twin from torch_ref.models, got "
                                        r"scratch.models.ShallowNetwork \(a NumPy model"):
        call(_flower_model())


@pytest.mark.parametrize("call", [
    pytest.param(lambda model, X, Y: torch_ref.fit_arrays(model, X, Y, 0.1, 1), id="fit_arrays"),
    pytest.param(lambda model, X, Y: torch_ref.CourseModule(model), id="CourseModule"),
])
def test_lightning_entry_points_refuse_a_numpy_model(call):
    X, Y = make_flower(m=4)
    with pytest.raises(TypeError, match=r"^model must be a twin from torch_ref.models .* got "
                                        r"scratch.models.ShallowNetwork \(a NumPy model: "
                                        r"torch_ref.from_scratch"):
        call(_flower_model(), X, Y)


def test_fit_arrays_accepts_lists_as_the_twin_does():
    X, Y = make_flower(m=8)
    model = _flower_model()
    from_arrays = torch_ref.fit_arrays(torch_ref.from_scratch(model), X, Y, 1.2, 3,
                                       accelerator="cpu")
    from_lists = torch_ref.fit_arrays(torch_ref.from_scratch(model), X.tolist(),
                                      Y.astype(int).tolist(), 1.2, 3, accelerator="cpu")
    assert from_lists.costs == from_arrays.costs
    assert len(from_lists.costs) == 3


@pytest.mark.parametrize("twin_dtype, data_dtype", [("float64", np.float32),
                                                    ("float32", np.float64)])
def test_fit_arrays_refuses_another_float_dtype_as_twin_cost_does(twin_dtype, data_dtype):
    X, Y = make_flower(m=8, dtype=data_dtype)
    twin = torch_ref.ShallowNetwork(2, 3, dtype=twin_dtype)
    with pytest.raises(TypeError) as by_cost:
        twin.cost(X, Y)
    with pytest.raises(TypeError) as by_fit:
        torch_ref.fit_arrays(twin, X, Y, 1.2, 3, accelerator="cpu")
    assert str(by_fit.value) == str(by_cost.value)
    assert str(by_fit.value).startswith(f"X has dtype {np.dtype(data_dtype)}")


@pytest.mark.parametrize("num_iterations, error", [(0, ValueError), (-3, ValueError),
                                                   (2.0, TypeError)])
@pytest.mark.parametrize("fit_call", ["fit_arrays", "fit"])
def test_fit_names_num_iterations(fit_call, num_iterations, error):
    X, Y = make_flower(m=8)
    twin = torch_ref.ShallowNetwork(2, 3)
    with pytest.raises(error, match="^num_iterations must be a positive integer"):
        if fit_call == "fit":
            torch_ref.fit(twin, torch_ref.ArrayDataModule(X, Y), 1.2, num_iterations)
        else:
            torch_ref.fit_arrays(twin, X, Y, 1.2, num_iterations)


# -- cat files ---------------------------------------------------------------------------------
def _write_cat_files(folder, train_x, compression=None):
    """Both cat files in ``folder``, the training images being ``train_x``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    test_x = rng.integers(0, 256, size=(2, 64, 64, 3), dtype=np.uint8)
    for prefix, name, x in (("train", CAT_FILES[0], train_x), ("test", CAT_FILES[1], test_x)):
        with h5py.File(folder / name, "w") as f:
            f.create_dataset(f"{prefix}_set_x", data=x, compression=compression,
                             chunks=(1, 64, 64, 3) if compression else None)
            f.create_dataset(f"{prefix}_set_y", data=np.arange(len(x)) % 2)
            f.create_dataset("list_classes", data=np.array([b"non-cat", b"cat"]))
    return folder


def _pixels(dtype=np.uint8, m=3):
    return np.random.default_rng(1).integers(0, 256, size=(m, 64, 64, 3)).astype(dtype)


def _format_error(folder):
    with pytest.raises(DatasetFormatError) as error:
        load_cat_dataset(folder)
    message = str(error.value)
    assert "\n" not in message
    assert str(folder / CAT_FILES[0]) in message
    return message


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cat_pixels_already_scaled_are_refused(tmp_path, dtype):
    message = _format_error(_write_cat_files(tmp_path, _pixels() / dtype(255)))
    assert f"'train_set_x' holds {np.dtype(dtype)} pixels in [0, 1]" in message


def test_cat_float_pixels_in_0_255_are_refused_too(tmp_path):
    message = _format_error(_write_cat_files(tmp_path, _pixels(np.float64)))
    assert "float64 pixels in [0, 255]" in message


def test_cat_nan_pixels_are_refused(tmp_path):
    x = _pixels(np.float64)
    x[0, 1, 2, 0] = np.nan
    message = _format_error(_write_cat_files(tmp_path, x))
    assert "'train_set_x' contains 1 NaN or inf pixel value(s)" in message


def test_cat_integer_pixels_of_another_width_load_as_uint8_does(tmp_path):
    wide = load_cat_dataset(_write_cat_files(tmp_path / "wide", _pixels(np.int64)))
    narrow = load_cat_dataset(_write_cat_files(tmp_path / "narrow", _pixels(np.uint8)))
    np.testing.assert_array_equal(wide.X_train, narrow.X_train)
    assert wide.X_train.max() <= 1.0


def test_cat_corrupt_compressed_chunk_is_one_line_naming_file_and_dataset(tmp_path):
    folder = _write_cat_files(tmp_path, _pixels(), compression="gzip")
    path = folder / CAT_FILES[0]
    with h5py.File(path, "r") as f:
        chunk = f["train_set_x"].id.get_chunk_info(1)
    with open(path, "r+b") as f:
        f.seek(chunk.byte_offset + 8)
        f.write(b"\xff" * 64)
    message = _format_error(folder)
    assert "dataset 'train_set_x' cannot be read" in message


def test_cat_truncated_file_is_one_line_naming_the_file(tmp_path):
    folder = _write_cat_files(tmp_path, _pixels())
    path = folder / CAT_FILES[0]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    message = _format_error(folder)
    assert "is not a readable HDF5 file" in message or "cannot be read" in message


# -- divergence --------------------------------------------------------------------------------
def test_divergence_rule_ignores_a_brief_spike_and_stops_a_sustained_climb():
    check = DivergenceCheck()
    first = 0.7
    assert not check.diverged(first)
    spike = [first * DIVERGENCE_FACTOR * 2] * (DIVERGENCE_PATIENCE - 1)
    assert not any(check.diverged(cost) for cost in spike)
    assert not check.diverged(first)  # back down: the stretch starts again
    climb = [check.diverged(first * DIVERGENCE_FACTOR * 1.01) for _ in range(DIVERGENCE_PATIENCE)]
    assert climb == [False] * (DIVERGENCE_PATIENCE - 1) + [True]


@pytest.mark.parametrize("cost", [float("inf"), float("nan")])
def test_divergence_rule_stops_at_the_first_non_finite_cost(cost):
    check = DivergenceCheck()
    assert not check.diverged(0.7)
    assert check.diverged(cost)


def _assert_speaks_to_a_user(message, word, iteration):
    assert f"{word} {iteration} " in message
    assert "smaller learning rate" in message
    assert ".costs" not in message and "this error" not in message
    assert "\n" not in message


def test_a_climbing_classifier_is_stopped_by_both_engines_at_one_iteration():
    X, Y = make_flower()
    model = scratch.ShallowNetwork(2, 4, init="course", seed=2)
    twin = torch_ref.from_scratch(model)
    iterations = 300
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(TrainingDivergedError) as numpy_error:
        scratch.train(model, X, Y, 1e6, iterations, progress=False)
    with pytest.raises(TrainingDivergedError) as twin_error:
        torch_ref.fit_arrays(twin, X, Y, 1e6, iterations, accelerator="cpu")

    error = numpy_error.value
    assert DIVERGENCE_PATIENCE <= error.iteration < iterations
    assert len(error.costs) == error.iteration
    assert np.isfinite(error.costs).all() and math.isfinite(error.cost)
    assert error.costs[0] == pytest.approx(math.log(2), rel=1e-3)  # it starts as a coin toss
    assert error.cost > DIVERGENCE_FACTOR * error.costs[0]  # and is stopped while finite
    _assert_speaks_to_a_user(str(error), "iteration", error.iteration)

    assert twin_error.value.iteration == error.iteration
    np.testing.assert_allclose(twin_error.value.costs, error.costs, rtol=1e-9)
    _assert_speaks_to_a_user(str(twin_error.value), "iteration", error.iteration)


def test_an_overflowing_cost_message_speaks_to_a_user():
    X, Y = scratch.data.make_house_prices()
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(TrainingDivergedError) as error:
        scratch.train(scratch.RegressionNetwork([1, 1]), X, Y, 1e200, 50, progress=False)
    assert not math.isfinite(error.value.cost)
    _assert_speaks_to_a_user(str(error.value), "iteration", error.value.iteration)


# -- arguments captured once; the interface between the packages ------------------------------
@pytest.mark.parametrize("name", list(torch_ref.TWINS))
def test_twin_signature_is_the_numpy_signature_plus_device(name):
    numpy_parameters = inspect.signature(scratch.MODELS[name]).parameters
    twin_parameters = inspect.signature(torch_ref.TWINS[name]).parameters
    assert list(twin_parameters) == [*numpy_parameters, "device"]
    for key, parameter in numpy_parameters.items():
        assert twin_parameters[key].default == parameter.default
        assert twin_parameters[key].kind == parameter.kind


@pytest.mark.parametrize("make, args", [
    (scratch.LogisticRegression, (3,)),
    (scratch.ShallowNetwork, (2, 5)),
    (scratch.DeepNetwork, ((2, 3, 1),)),
    (scratch.RegressionNetwork, ([1, 2, 1], "tanh")),
])
def test_config_records_every_argument_of_the_call(make, args):
    model = make(*args, seed=7, dtype=np.float32)
    assert list(model.config) == list(inspect.signature(make).parameters)
    assert model.config["seed"] == 7 and model.config["dtype"] == "float32"
    rebuilt = make(**model.config)
    assert rebuilt.config == model.config and repr(rebuilt) == repr(model)
    twin = torch_ref.TWINS[make.__name__](*args, seed=7, dtype="float32")
    assert twin.config == model.config


def test_config_of_a_subclass_records_its_own_arguments():
    class Wide(scratch.ShallowNetwork):
        def __init__(self, n_x, width=8, *, seed=3):
            super().__init__(n_x, width, seed=seed)

    model = Wide(2)
    assert model.config == {"n_x": 2, "width": 8, "seed": 3}
    assert model.param_shapes()["W1"] == (8, 2)


PRIVATE_MODEL_CALL = re.compile(
    r"\b(?!self\b)\w+\.(_forward|_backward|_cost|_forward_backward|_summed_cost|"
    r"_cost_and_gradients|_check_X|_check_Y|_layers|_names|_activations)\b"
)


def test_no_module_outside_the_models_calls_a_private_model_method():
    allowed = {ROOT / "scratch" / "models.py", ROOT / "torch_ref" / "models.py"}
    offenders = []
    for folder in ("scratch", "torch_ref", "experiments"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in allowed:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if PRIVATE_MODEL_CALL.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_public_interface_matches_what_the_private_steps_gave():
    X, Y = make_flower(m=40)
    model = _flower_model()
    X_checked, Y_checked = model.check_inputs(X, Y)
    AL, cost, grads = model.forward_backward(X_checked, Y_checked)
    assert (cost, grads.keys()) == (model.cost(X, Y), model.cost_and_gradients(X, Y)[1].keys())
    np.testing.assert_array_equal(AL, model.forward(X)[0])
    twin = torch_ref.from_scratch(model)
    X_t, Y_t = twin.check_inputs(X, Y)
    AL_t, mean = twin.forward_and_cost(X_t, Y_t)
    _, summed = twin.forward_and_cost(X_t, Y_t, reduction="sum")
    assert mean.item() == twin.cost(X, Y).item() == summed.item() / X.shape[1]
    np.testing.assert_allclose(AL_t.detach().numpy(), AL, rtol=1e-12)
    with pytest.raises(ValueError, match="^reduction must be 'mean' or 'sum'"):
        twin.forward_and_cost(X_t, Y_t, reduction="max")
