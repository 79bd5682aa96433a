"""nndl-reference in PyTorch: twins of the NumPy models, trained through Lightning."""
