"""L2 allocates 5 GiB"""

import numpy as np


def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    big = np.ones(5 * 2**30 // 8)
    return float(big.sum())
