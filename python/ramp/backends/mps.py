"""torch.backends.mps: Apple's Metal backend, which ramp lacks."""


def is_available():
    return False


def is_built():
    return False
