"""L2 crashes its process (reads address 0)"""

import numpy as np
import ctypes

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    return ctypes.string_at(0)
