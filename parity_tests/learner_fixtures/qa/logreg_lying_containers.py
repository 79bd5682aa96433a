"""Logistic regression whose results lie about what they hold

Each graded function but optimize returns a wrong value inside an object whose
own methods claim the course's: an ndarray subclass whose ``__eq__``,
``__array__`` and ``tolist`` give the right sigmoid; a tuple subclass whose
``__iter__`` and ``__getitem__`` give zeros; a dict subclass whose
``__getitem__``, ``items`` and ``values`` give the right gradients; a deeply nested list where
an array belongs. Each must be judged on what it holds.
"""

import numpy as np


def sigmoid(z):
    class Right(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), dtype=bool)

        def __array__(self, dtype=None, copy=None):
            return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))

        def tolist(self):
            return self.__array__().tolist()

    s = 1 / (1 + np.exp(np.asarray(z, dtype=float)))   # the sign of z is wrong
    return np.asarray(s).view(Right)


def initialize_with_zeros(dim):
    class Zeros(tuple):
        def __iter__(self):
            return iter((np.zeros((dim, 1)), 0.0))

        def __getitem__(self, i):
            return (np.zeros((dim, 1)), 0.0)[i]

    return Zeros((np.ones((dim, 1)), 0.0))                  # w is ones, not zeros


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = np.squeeze(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    right = {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}

    class Grads(dict):
        def __getitem__(self, key):
            return right[key]

        def items(self):
            return right.items()

        def values(self):
            return right.values()

    return Grads(dw=np.dot(X, (A - Y).T), db=np.sum(A - Y)), cost   # 1/m missing


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": grads["dw"], "db": grads["db"]}, costs


def predict(w, b, X):
    rows = [[[0.0] * 50 for _ in range(50)] for _ in range(X.shape[1])]
    return [rows for _ in range(20)]
