"""Runners for the course's experiments, NumPy and PyTorch side by side."""
