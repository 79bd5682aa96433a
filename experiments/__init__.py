"""The course's experiments, NumPy and PyTorch side by side: ``python -m experiments``.

:mod:`experiments.cli` is the command line; :mod:`experiments.runner` runs an
experiment's runs with each backend (:mod:`experiments.backends`) into a run
folder (:mod:`experiments.run_folder`); :mod:`experiments.checker` checks a
learner's own course functions. Importing this package imports nothing heavy.
"""
