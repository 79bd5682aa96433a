"""L2 writes and deletes files beside the notebook, in its home and in /tmp"""

import numpy as np
import os

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "escaped.txt"), "/tmp/nndl-escaped.txt",
                 os.path.expanduser("~/escaped.txt")):
        try:
            with open(path, "w") as handle:
                handle.write("written by L2")
        except OSError:
            pass
    try:
        os.remove(os.path.join(here, "keep.txt"))
    except OSError:
        pass
    return np.sum((y - yhat) ** 2)
