"""L2 sits in one long C call (a regular expression that backtracks)"""

import numpy as np
import re

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    re.match(r"(a+)+$", "a" * 64 + "b")
    return np.sum((y - yhat) ** 2)
