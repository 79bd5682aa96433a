"""Logistic regression, all right: vectorised with @ and .sum(), its cost a float32 scalar"""
import numpy as np
from typing import Tuple
import copy

def sigmoid(z: np.ndarray) -> np.ndarray:
    """Sigmoid."""
    return np.divide(1.0, np.add(1.0, np.exp(np.negative(z))))

def initialize_with_zeros(dim, dtype=float):
    w = np.zeros(shape=(dim, 1), dtype=dtype)
    b = 0.
    assert w.shape == (dim, 1)
    return w, b

def _forward(w, b, X):
    return sigmoid(w.T @ X + b)

def propagate(w, b, X, Y, verbose=False):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -(np.multiply(Y, np.log(A)) + np.multiply(1 - Y, np.log(1 - A))).sum() / m
    dw = (X @ (A - Y).T) / m
    db = (A - Y).sum() / m
    if verbose:
        print("cost", cost)
    cost = np.squeeze(cost).astype(np.float32)
    return {"dw": dw, "db": db}, cost

def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    w = w.copy()
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w -= learning_rate * grads["dw"]
        b -= learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs

def predict(w, b, X):
    A = sigmoid(np.dot(w.reshape(-1, 1).T, X) + b)
    return (A > 0.5).astype(float)

def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test),
            "Y_prediction_train": predict(w, b, X_train), "w": w, "b": b,
            "learning_rate": learning_rate, "num_iterations": num_iterations}
