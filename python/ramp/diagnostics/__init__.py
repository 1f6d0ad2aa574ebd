"""Training diagnostics: ``Monitor(model)`` (dead units, saturation, activation statistics,
gradient flow, update ratios, as a table, a JSON-lines log and an HTML report) and
``summary(model, input_size)`` (torchinfo's table, with each layer's memory measured by ramp's
allocator during a real forward pass)."""
from .monitor import Monitor
from .summary import summary

__all__ = ["Monitor", "summary"]
