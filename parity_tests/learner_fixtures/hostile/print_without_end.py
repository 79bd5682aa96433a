"""L2 prints without end, through print and through file descriptor 1"""

import numpy as np
import os
import sys

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    for _ in range(2000):
        os.write(1, b"x" * 100_000)
    while True:
        print("cost after iteration 0: 0.693147" * 100)
