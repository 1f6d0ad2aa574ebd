"""torch.special's names (1.13's) for ramp's functions: the aliases it defines over torch's own
functions, and xlog1py, which only torch.special has.

    ramp.special.xlogy(x, y), ramp.special.xlog1py(x, y), ramp.special.gammaln(x), ramp.special.psi(x)
"""
import ramp as _ramp
from . import _C

xlogy = _ramp.xlogy
xlog1py = _C.special_xlog1py
logit = _ramp.logit
expit = _ramp.sigmoid
gammaln = _ramp.lgamma
digamma = psi = _ramp.digamma
polygamma = _ramp.polygamma
sinc = _ramp.sinc
erf, erfc, erfinv = _ramp.erf, _ramp.erfc, _ramp.erfinv
expm1, log1p = _ramp.expm1, _ramp.log1p
round = _ramp.round  # noqa: A001 -- torch.special's name
logsumexp = _ramp.logsumexp
softmax, log_softmax = _ramp.softmax, _ramp.log_softmax

__all__ = ["xlogy", "xlog1py", "logit", "expit", "gammaln", "digamma", "psi", "polygamma", "sinc", "erf", "erfc",
           "erfinv", "expm1", "log1p", "round", "logsumexp", "softmax", "log_softmax"]
