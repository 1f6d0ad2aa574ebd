"""torch.backends.mkldnn: ramp's float32 convolutions run on oneDNN (formerly MKL-DNN)."""
enabled = True


def is_available():
    return True
