"""``python -m ramp.distributed.run``: torch.distributed.run's (torchrun's) name for ``ramp-run``.

    python -m ramp.distributed.run --nproc-per-node 2 train.py --epochs 3

The same C++ code as the ``ramp-run`` executable (tools/run/launch.cpp), called through _C; ``.py``
scripts and ``-m`` modules run under this interpreter (sys.executable). See docs/distributed.md.
"""
import sys

from .. import _C


def main(args=None):
    """Runs the launcher on ``args`` (default: sys.argv[1:]) and returns its exit status."""
    argv = ["python -m ramp.distributed.run"] + list(sys.argv[1:] if args is None else args)
    return _C._distributed._launch(argv, sys.executable)


if __name__ == "__main__":
    sys.exit(main())
