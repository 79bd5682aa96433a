"""s (s - 1)"""


import math
import numpy as np


# GRADED FUNCTION: basic_sigmoid

def basic_sigmoid(x):
    s = 1 / (1 + math.exp(-x))
    return s


# GRADED FUNCTION: sigmoid

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


# GRADED FUNCTION: sigmoid_derivative

def sigmoid_derivative(x):
    s = sigmoid(x)
    ds = s * (s - 1)
    return ds


# GRADED FUNCTION: image2vector

def image2vector(image):
    v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)
    return v


# GRADED FUNCTION: normalizeRows

def normalizeRows(x):
    x_norm = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / x_norm
    return x


# GRADED FUNCTION: softmax

def softmax(x):
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    s = x_exp / x_sum
    return s


# GRADED FUNCTION: L1

def L1(yhat, y):
    loss = np.sum(np.abs(y - yhat))
    return loss


# GRADED FUNCTION: L2

def L2(yhat, y):
    loss = np.sum(np.dot(y - yhat, y - yhat))
    return loss

