"""ramp.backends: torch.backends' flags and queries as in a CPU-only torch 1.13 (no cuDNN, no MPS,
no CUDA). The flags are settable; ramp's CPU kernels do not read them (they are deterministic and
have nothing to benchmark)."""
from . import cuda, cudnn, mkldnn, mps, openmp
