"""nndl-reference, from scratch: the course's models in plain NumPy.

Importing this package never imports torch; the NumPy side stands alone.
"""

from scratch.activations import (
    get_activation,
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)
from scratch.costs import (
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    mean_squared_error,
)
from scratch.errors import (
    DataError,
    DatasetFormatError,
    DatasetNotFoundError,
    ShapeError,
    TrainingDivergedError,
)
from scratch.gradient_check import (
    gradient_check,
    numerical_gradient,
    numerical_gradients,
    relative_error,
)
from scratch.initializers import initialize_parameters
from scratch.layers import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from scratch.models import (
    DeepNetwork,
    LogisticRegression,
    Network,
    RegressionNetwork,
    ShallowNetwork,
)
from scratch.training import train, update_parameters

MODELS = {
    "LogisticRegression": LogisticRegression,
    "ShallowNetwork": ShallowNetwork,
    "DeepNetwork": DeepNetwork,
    "RegressionNetwork": RegressionNetwork,
}
