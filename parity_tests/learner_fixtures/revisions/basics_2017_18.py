"""Python Basics with Numpy, 2017-18 revision: all right"""



import math
import numpy as np


# GRADED FUNCTION: basic_sigmoid

def basic_sigmoid(x):
    ### START CODE HERE ### (≈ 1 line of code)
    s = 1 / (1 + math.exp(-x))
    ### END CODE HERE ###
    return s



# GRADED FUNCTION: sigmoid

def sigmoid(x):
    ### START CODE HERE ### (≈ 1 line of code)
    s = 1 / (1 + np.exp(-x))
    ### END CODE HERE ###
    return s



# GRADED FUNCTION: sigmoid_derivative

def sigmoid_derivative(x):
    ### START CODE HERE ### (≈ 1 line of code)
    s = sigmoid(x)
    ds = s * (1 - s)
    ### END CODE HERE ###
    return ds



# GRADED FUNCTION: image2vector

def image2vector(image):
    ### START CODE HERE ### (≈ 1 line of code)
    v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)
    ### END CODE HERE ###
    return v



# GRADED FUNCTION: normalizeRows

def normalizeRows(x):
    ### START CODE HERE ### (≈ 1 line of code)
    x_norm = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / x_norm
    ### END CODE HERE ###
    return x



# GRADED FUNCTION: softmax

def softmax(x):
    ### START CODE HERE ### (≈ 1 line of code)
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    s = x_exp / x_sum
    ### END CODE HERE ###
    return s



# GRADED FUNCTION: L1

def L1(yhat, y):
    ### START CODE HERE ### (≈ 1 line of code)
    loss = np.sum(np.abs(y - yhat))
    ### END CODE HERE ###
    return loss



# GRADED FUNCTION: L2

def L2(yhat, y):
    ### START CODE HERE ### (≈ 1 line of code)
    loss = np.sum(np.dot(y - yhat, y - yhat))
    ### END CODE HERE ###
    return loss

