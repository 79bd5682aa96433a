"""L2 runs shell commands that write beside the notebook and in /tmp"""

import numpy as np
import os
import subprocess

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def L1(yhat, y):
    loss = np.sum(y - yhat)          # the absolute value is missing
    return loss


def L2(yhat, y):
    here = os.path.dirname(os.path.abspath(__file__))
    os.system(f"echo escaped > {here}/escaped.txt")
    subprocess.run(["touch", "/tmp/nndl-escaped.txt"])
    return np.sum((y - yhat) ** 2)
