"""torch.backends.cudnn without cuDNN: settable flags, is_available() False, version() None."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available():
    return False


def version():
    return None


def is_acceptable(tensor):
    return False
