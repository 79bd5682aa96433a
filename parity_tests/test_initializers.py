"""Every initialiser against oracles that do not share its code.

Three kinds of oracle, each independent of ``scratch.initializers``:

* hand-written draws from the generator and scale each scheme documents,
  compared exactly (the NumPy twin's every parity test starts from these);
* the weights the course's notebooks print, to their 8 digits;
* a twin that draws its own parameters with torch's generator
  (``torch_ref.draw_initial_parameters``): another generator, so only the
  distribution can agree, and it is checked on wide layers against the
  documented scale with a statistically sound bound.
"""

import numpy as np
import pytest

import torch_ref
from scratch import models as scratch_models
from scratch.initializers import initialize_parameters

DIMS = [5, 4, 3, 1]


def default_rng_draws(seed):
    """``draw(n_l, n_prev)`` from ``numpy.random.default_rng(seed)``, as documented."""
    rng = np.random.default_rng(seed)
    return lambda n_l, n_prev: rng.standard_normal((n_l, n_prev))


def legacy_draws(seed):
    """The course's ``np.random.seed(seed)`` then ``np.random.randn(n_l, n_prev)``."""
    np.random.seed(seed)
    return lambda n_l, n_prev: np.random.randn(n_l, n_prev)


# id: (initialize_parameters keyword arguments, generator, W[l] from draw(n_l, n_prev)).
# The arithmetic is the course's: division by sqrt(n_{l-1}) for lecun, times sqrt(2/n) for he.
SCHEMES = {
    "zeros": (dict(init="zeros"), default_rng_draws,
              lambda draw, n_l, n_prev: np.zeros((n_l, n_prev))),
    "normal": (dict(init="normal"), default_rng_draws,
               lambda draw, n_l, n_prev: draw(n_l, n_prev) * 0.01),
    "normal-scale-0.5": (dict(init="normal", scale=0.5), default_rng_draws,
                         lambda draw, n_l, n_prev: draw(n_l, n_prev) * 0.5),
    "lecun": (dict(init="lecun"), default_rng_draws,
              lambda draw, n_l, n_prev: draw(n_l, n_prev) / np.sqrt(n_prev)),
    "he": (dict(init="he"), default_rng_draws,
           lambda draw, n_l, n_prev: draw(n_l, n_prev) * np.sqrt(2 / n_prev)),
    "course": (dict(init="course"), legacy_draws,
               lambda draw, n_l, n_prev: draw(n_l, n_prev) * 0.01),
    "course-scale-0.07": (dict(init="course", scale=0.07), legacy_draws,
                          lambda draw, n_l, n_prev: draw(n_l, n_prev) * 0.07),
    "course-lecun": (dict(init="course", scale="lecun"), legacy_draws,
                     lambda draw, n_l, n_prev: draw(n_l, n_prev) / np.sqrt(n_prev)),
    "course-he": (dict(init="course", scale="he"), legacy_draws,
                  lambda draw, n_l, n_prev: draw(n_l, n_prev) * np.sqrt(2 / n_prev)),
}


def hand_drawn(scheme, dims, seed, dtype=np.float64):
    """W1, b1, ... for ``dims`` as the scheme documents them, written out here."""
    _, generator, weight = SCHEMES[scheme]
    draw = generator(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = weight(draw, dims[l], dims[l - 1]).astype(dtype)
        params[f"b{l}"] = np.zeros((dims[l], 1), dtype=dtype)
    return params


def assert_same_arrays(actual, expected):
    assert list(actual) == list(expected)
    for name in expected:
        assert actual[name].dtype == expected[name].dtype, name
        assert actual[name].shape == expected[name].shape, name
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)


# -- hand-written draws, compared exactly ------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_initializer_draws_what_its_scheme_documents(scheme, seed, dtype):
    kwargs = SCHEMES[scheme][0]
    actual = initialize_parameters(DIMS, seed=seed, dtype=dtype, **kwargs)
    # float32 parameters are the float64 draws rounded once.
    assert_same_arrays(actual, hand_drawn(scheme, DIMS, seed, dtype))


@pytest.mark.parametrize("scheme", ["normal", "lecun", "he", "course-lecun"])
def test_models_start_from_the_documented_draws(scheme):
    kwargs = SCHEMES[scheme][0]
    expected = hand_drawn(scheme, DIMS, seed=5)
    deep = scratch_models.DeepNetwork(DIMS, seed=5, **kwargs)
    assert_same_arrays(deep.params, expected)
    shallow = scratch_models.ShallowNetwork(5, 4, 2, seed=5, **kwargs)
    assert_same_arrays(shallow.params, hand_drawn(scheme, [5, 4, 2], seed=5))
    logistic = scratch_models.LogisticRegression(5, seed=5, **kwargs)
    W1 = hand_drawn(scheme, [5, 1], seed=5)["W1"]
    assert_same_arrays(logistic.params, {"w": W1.T, "b": np.zeros((1, 1))})


def test_model_defaults_are_the_courses():
    # ShallowNetwork: small random values (x 0.01); DeepNetwork and RegressionNetwork: He;
    # LogisticRegression: zeros; every one seeded with 1.
    assert_same_arrays(scratch_models.ShallowNetwork(3, 4).params,
                       hand_drawn("normal", [3, 4, 1], seed=1))
    assert_same_arrays(scratch_models.DeepNetwork(DIMS).params, hand_drawn("he", DIMS, seed=1))
    assert_same_arrays(scratch_models.RegressionNetwork([2, 3, 2]).params,
                       hand_drawn("he", [2, 3, 2], seed=1))
    assert_same_arrays(scratch_models.LogisticRegression(4).params,
                       {"w": np.zeros((4, 1)), "b": np.zeros((1, 1))})


# -- the course's printed weights ----------------------------------------------------------------
# What the assignments print for their initialisers, to the 8 digits they show.
COURSE_PRINTS = [
    pytest.param([5, 4, 3], 3, {
        "W1": [[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
               [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
               [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
               [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]],
        "W2": [[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
               [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
               [-0.00768836, -0.00230031, 0.00745056, 0.01976111]],
    }, id="initialize_parameters_deep-week4"),
    pytest.param([3, 2, 1], 1, {
        "W1": [[0.01624345, -0.00611756, -0.00528172],
               [-0.01072969, 0.00865408, -0.02301539]],
        "W2": [[0.01744812, -0.00761207]],
    }, id="initialize_parameters-week4"),
    pytest.param([2, 4, 1], 2, {
        "W1": [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
               [-0.01793436, -0.00841747], [0.00502881, -0.01245288]],
        "W2": [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]],
    }, id="initialize_parameters-week3"),
]


@pytest.mark.parametrize("dims, seed, printed", COURSE_PRINTS)
def test_course_init_gives_the_weights_the_course_prints(dims, seed, printed):
    params = initialize_parameters(dims, init="course", seed=seed)
    for name, values in printed.items():
        np.testing.assert_allclose(params[name], values, rtol=0, atol=5e-9, err_msg=name)
    for l in range(1, len(dims)):
        np.testing.assert_array_equal(params[f"b{l}"], np.zeros((dims[l], 1)))


# -- the twin's own draws: the same distribution from another generator ----------------------
# Wide layers, so that the sample statistics pin the scale down: 240 000, 120 000 and 300
# weights. For N draws of N(0, sigma^2), mean(W^2) / sigma^2 has mean 1 and standard
# deviation sqrt(2 / N), so rms(W) / sigma = 1 within sqrt(1 / (2N)) (1.4e-3 for the first
# layer, 4% for the last), and mean(W) is 0 within sigma / sqrt(N). Every bound below is 6
# such deviations: a correct initialiser fails one with probability about 2e-9, while the
# smallest wrong scale that matters, He's sqrt(2) against LeCun's 1, is 290 deviations off
# in the first layer.
WIDE = [600, 400, 300, 1]
Z = 6.0
DISTRIBUTIONS = {
    # id: (constructor keyword arguments, std of W[l] from n_{l-1}, as documented)
    "normal": (dict(init="normal"), lambda n_prev: 0.01),
    "normal-scale-0.5": (dict(init="normal", scale=0.5), lambda n_prev: 0.5),
    "lecun": (dict(init="lecun"), lambda n_prev: 1 / np.sqrt(n_prev)),
    "he": (dict(init="he"), lambda n_prev: np.sqrt(2 / n_prev)),
    "course": (dict(init="course"), lambda n_prev: 0.01),
    "course-lecun": (dict(init="course", scale="lecun"), lambda n_prev: 1 / np.sqrt(n_prev)),
    "course-he": (dict(init="course", scale="he"), lambda n_prev: np.sqrt(2 / n_prev)),
}


def layer_statistics(params, dims):
    """(N, rms, mean) of W[l]'s entries for l = 1..L, in float64."""
    stats = []
    for l in range(1, len(dims)):
        W = np.asarray(params[f"W{l}"], dtype=np.float64)
        stats.append((W.size, float(np.sqrt(np.mean(W * W))), float(W.mean())))
    return stats


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scheme", DISTRIBUTIONS)
def test_numpy_and_a_twin_drawing_its_own_parameters_agree_on_the_distribution(scheme, dtype):
    kwargs, documented_std = DISTRIBUTIONS[scheme]
    model = scratch_models.DeepNetwork(WIDE, seed=4, dtype=dtype, **kwargs)
    twin = torch_ref.DeepNetwork(WIDE, seed=4, dtype=dtype, **kwargs)
    torch_ref.draw_initial_parameters(twin)
    twin_params = torch_ref.to_numpy_params(twin)

    for name, value in model.params.items():
        assert value.dtype == np.dtype(dtype) and twin_params[name].dtype == np.dtype(dtype)
        assert value.shape == twin_params[name].shape, name
    assert twin.dtype == torch_ref.models.torch_dtype(dtype)
    # Its own draws, not a copy of NumPy's.
    assert not np.array_equal(model.params["W1"], twin_params["W1"])
    for l in range(1, len(WIDE)):
        assert not model.params[f"b{l}"].any() and not twin_params[f"b{l}"].any()

    numpy_stats = layer_statistics(model.params, WIDE)
    twin_stats = layer_statistics(twin_params, WIDE)
    for l, ((N, numpy_rms, numpy_mean), (_, twin_rms, twin_mean)) in enumerate(
            zip(numpy_stats, twin_stats), start=1):
        sigma = documented_std(WIDE[l - 1])
        for side, rms, mean in (("numpy", numpy_rms, numpy_mean), ("twin", twin_rms, twin_mean)):
            assert abs(rms / sigma - 1) <= Z * np.sqrt(1 / (2 * N)), (
                f"{side} W{l}: rms {rms:.6g}, documented std {sigma:.6g} (N = {N})")
            assert abs(mean) <= Z * sigma / np.sqrt(N), f"{side} W{l}: mean {mean:.3g}"
        # And with each other: the difference of two such estimates.
        assert abs(numpy_rms / twin_rms - 1) <= Z * np.sqrt(1 / N), f"W{l}"


@pytest.mark.parametrize("twin_class, args", [
    pytest.param(torch_ref.LogisticRegression, dict(n_x=600, init="normal", scale=0.3),
                 id="logistic-column-w"),
    pytest.param(torch_ref.ShallowNetwork, dict(n_x=600, n_h=400, init="zeros"), id="zeros"),
])
def test_a_twin_draws_every_parameter_in_its_own_shape(twin_class, args):
    twin = twin_class(**args)
    shapes = twin.param_shapes()
    torch_ref.draw_initial_parameters(twin, seed=11)
    assert twin.param_shapes() == shapes
    params = torch_ref.to_numpy_params(twin)
    weights = [value for name, value in params.items() if name.lower().startswith("w")]
    if args["init"] == "zeros":
        assert not any(W.any() for W in weights)
    else:
        (w,) = weights
        assert abs(np.sqrt(np.mean(w * w)) / args["scale"] - 1) <= Z * np.sqrt(1 / (2 * w.size))
    again = torch_ref.to_numpy_params(torch_ref.draw_initial_parameters(twin, seed=11))
    for name in params:  # the seed decides the draws
        np.testing.assert_array_equal(again[name], params[name])


def test_a_twin_with_an_unknown_scheme_is_refused():
    twin = torch_ref.ShallowNetwork(2, 3)
    twin.config = {**twin.config, "init": "xavier"}
    with pytest.raises(ValueError, match="'xavier'"):
        torch_ref.draw_initial_parameters(twin)
