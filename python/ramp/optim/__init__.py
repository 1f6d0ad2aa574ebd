"""ramp.optim: torch.optim's SGD, Adam, AdamW, Adadelta, Adagrad and RMSprop (updates computed in C++
with 1.13's arithmetic, so parameters match torch's bit for bit) and ramp.optim.lr_scheduler.

    opt = ramp.optim.SGD(model_params, lr=0.1, momentum=0.9)
    sched = ramp.optim.lr_scheduler.StepLR(opt, step_size=30)
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .optimizer import SGD, Adam, AdamW, Optimizer
from .rmsprop import RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop", "lr_scheduler"]
