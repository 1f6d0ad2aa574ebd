"""Runs a tutorial script with `torch` being PyTorch or ramp: `run.py torch|ramp script.py [args]`.

With ramp, every `torch` / `torch.X` import is answered with `ramp` / `ramp.X` (a meta-path finder),
so the script runs unchanged; a torch name ramp lacks fails there as it would for a user. The shims
folder (torchvision's datasets/transforms over Debian's Fashion-MNIST, a bar-less tqdm) comes first
on the path for both backends."""
import importlib
import importlib.abc
import importlib.util
import os
import runpy
import sys


class RampAsTorch(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("ramp" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass


def main():
    backend, script = sys.argv[1], os.path.abspath(sys.argv[2])
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims"))
    if backend == "ramp":
        sys.meta_path.insert(0, RampAsTorch())
    sys.argv = [script] + sys.argv[3:]
    os.chdir(os.environ.get("RAMP_TUTORIAL_CWD", os.getcwd()))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
