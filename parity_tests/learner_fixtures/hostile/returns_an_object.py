"""L2 returns an object of its own class"""

import numpy as np


def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    Loss = type("Loss", (float,), {"__reduce__": lambda self: (print, ("unpickled here",))})
    return Loss(np.sum((y - yhat) ** 2))
