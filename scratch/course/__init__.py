"""The course's assignment functions, by the course's names, on the project's blocks.

One module per programming assignment of "Neural Networks and Deep Learning"
(the 2021 revision), each function with the assignment's name, arguments,
defaults, return types and cache layouts, so a learner's notebook lines up
with this code and the course's own test cases run here unchanged:

=================================  ==========================================
module                             assignment
=================================  ==========================================
``scratch.course.basics``          week 2, Python basics with NumPy
``scratch.course.logistic_regression``  week 2, logistic regression
``scratch.course.planar``          week 3, planar data, one hidden layer
``scratch.course.deep_step_by_step``    week 4, deep network step by step
``scratch.course.deep_application``     week 4, deep network application
=================================  ==========================================

Names repeat across assignments (``sigmoid``, ``initialize_parameters``,
``update_parameters``, ``predict``, ``compute_cost``), so import the module:
``from scratch.course import planar; planar.nn_model(X, Y, 4)``.
"""

from scratch.course import (
    basics,
    deep_application,
    deep_step_by_step,
    logistic_regression,
    planar,
)

ASSIGNMENTS = {
    "basics": basics,
    "logistic_regression": logistic_regression,
    "planar": planar,
    "deep_step_by_step": deep_step_by_step,
    "deep_application": deep_application,
}
"""Module of each assignment, by short name."""

__all__ = ["ASSIGNMENTS", *ASSIGNMENTS]
