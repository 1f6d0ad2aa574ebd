"""Training diagnostics: ``summary(model, input_size)`` (torchinfo's table, with each layer's memory
measured by ramp's allocator during a real forward pass)."""
from .summary import summary

__all__ = ["summary"]
