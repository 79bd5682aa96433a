"""Parameters of one precision loaded into a model of the other, in both engines.

The rule (``scratch.validation.check_param_values``): parameters are converted to the
model's dtype, float32 into float64 exactly, float64 into float32 rounded to the nearest
float32; a value beyond the model's range, which would become inf, is refused naming
the parameter, and nothing is replaced.
"""

import numpy as np
import pytest
import torch

import scratch
import torch_ref
from scratch.errors import DataError

DTYPES = ["float32", "float64"]


def numpy_model(dtype, seed=3):
    return scratch.ShallowNetwork(2, 3, init="normal", seed=seed, dtype=np.dtype(dtype))


def target(engine, dtype):
    model = numpy_model(dtype, seed=7)
    return model if engine == "numpy" else torch_ref.from_scratch(model)


def params_of(model):
    if isinstance(model, scratch.models.Network):
        return {name: value.copy() for name, value in model.params.items()}
    return torch_ref.to_numpy_params(model)


def given_params(dtype):
    """Parameters of ``dtype`` with more digits than float32 holds (for float64)."""
    rng = np.random.default_rng(0)
    return {name: (rng.standard_normal(value.shape) / 3).astype(dtype)
            for name, value in numpy_model("float64").params.items()}


# (a NumPy model takes arrays; a twin arrays or tensors)
ENGINES = [("numpy", False), ("torch", False), ("torch", True)]
ENGINE_IDS = ["numpy", "torch-arrays", "torch-tensors"]


@pytest.mark.parametrize("engine, as_tensors", ENGINES, ids=ENGINE_IDS)
@pytest.mark.parametrize("model_dtype, given_dtype", [("float32", "float64"),
                                                      ("float64", "float32")])
def test_parameters_of_the_other_precision_are_converted_by_the_stated_rule(
        engine, model_dtype, given_dtype, as_tensors):
    model = target(engine, model_dtype)
    given = given_params(given_dtype)
    model.load_params({name: torch.from_numpy(value) if as_tensors else value
                       for name, value in given.items()})
    loaded = params_of(model)
    for name, value in given.items():
        assert loaded[name].dtype == np.dtype(model_dtype), name
        # float32 -> float64 exactly; float64 -> float32 rounded to nearest (NumPy's cast).
        np.testing.assert_array_equal(loaded[name], value.astype(model_dtype), err_msg=name)
        if model_dtype == "float32":
            assert not np.array_equal(loaded[name].astype(np.float64), value), name  # rounded
            np.testing.assert_allclose(loaded[name], value, rtol=np.finfo(np.float32).eps)


@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_a_float32_model_survives_a_float64_round_trip(engine):
    small = target(engine, "float32")
    before = params_of(small)
    wide = target(engine, "float64")
    wide.load_params(before)
    small.load_params(params_of(wide))
    for name, value in before.items():
        np.testing.assert_array_equal(params_of(small)[name], value, err_msg=name)


@pytest.mark.parametrize("engine, as_tensors", ENGINES, ids=ENGINE_IDS)
def test_a_value_beyond_float32_is_refused_naming_the_parameter(engine, as_tensors):
    model = target(engine, "float32")
    before = params_of(model)
    given = given_params("float64")
    given["W2"][0, 1] = 1e300  # finite in float64, inf in float32
    with pytest.raises(DataError, match=r"^parameter W2 holds 1 value\(s\) beyond the range "
                                        r"of the model's float32") as error:
        model.load_params({name: torch.from_numpy(value) if as_tensors else value
                           for name, value in given.items()})
    assert "\n" not in str(error.value)
    for name, value in before.items():
        np.testing.assert_array_equal(params_of(model)[name], value, err_msg=name)


@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_a_float64_model_takes_the_largest_float32(engine):
    model = target(engine, "float64")
    given = given_params("float32")
    given["b1"][1, 0] = np.finfo(np.float32).max
    model.load_params(given)
    assert params_of(model)["b1"][1, 0] == np.float64(np.finfo(np.float32).max)
