"""L2 raises KeyboardInterrupt"""

import numpy as np


def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    raise KeyboardInterrupt
