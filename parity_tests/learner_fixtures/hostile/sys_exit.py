"""L2 raises SystemExit(3)"""

import numpy as np
import sys

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    sys.exit(3)
