"""The baseline learners write: the course's assignment code, loops and all.

These functions follow the classic programming assignments line by line
(dictionary of parameters rebuilt every update, the cost from np.log of the
probabilities, dA[L] from the division formula, dA[0] computed and thrown
away). They exist only as the benchmark's baseline; the project's own models
live in ``scratch``.
"""

import numpy as np


def initialize_parameters_deep(layer_dims, seed, scale):
    """The assignment's initialiser: np.random.seed, then randn times a scale per layer."""
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        draw = np.random.randn(layer_dims[l], layer_dims[l - 1])
        if scale == "lecun":
            parameters["W" + str(l)] = draw / np.sqrt(layer_dims[l - 1])
        else:
            parameters["W" + str(l)] = draw * scale
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def tanh(Z):
    return np.tanh(Z), Z


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        A, activation_cache = relu(Z)
    else:
        A, activation_cache = tanh(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters, hidden_activation):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(
            A_prev, parameters["W" + str(l)], parameters["b" + str(l)], hidden_activation
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid"
    )
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
    return np.squeeze(cost)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def tanh_backward(dA, cache):
    Z = cache
    return dA * (1 - np.power(np.tanh(Z), 2))


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    else:
        dZ = tanh_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches, hidden_activation):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = (
        linear_activation_backward(dAL, current_cache, "sigmoid")
    )
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(
            grads["dA" + str(l + 1)], current_cache, hidden_activation
        )
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


def update_parameters(params, grads, learning_rate):
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = (
            parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        )
        parameters["b" + str(l + 1)] = (
            parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
        )
    return parameters


def L_layer_model(X, Y, layer_dims, learning_rate, num_iterations, seed, scale,
                  hidden_activation="relu"):
    """The assignment's training loop; returns the parameters and the cost of every iteration."""
    costs = []
    parameters = initialize_parameters_deep(layer_dims, seed, scale)
    for _ in range(num_iterations):
        AL, caches = L_model_forward(X, parameters, hidden_activation)
        costs.append(float(compute_cost(AL, Y)))
        grads = L_model_backward(AL, Y, caches, hidden_activation)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs
