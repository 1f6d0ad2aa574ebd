"""ramp.random: torch.random's seeding functions over ramp's default generator (mt19937_64).

ramp.manual_seed(s) restarts every random op that is not given a generator: the factories
(rand, randn, randint, randperm, normal, ...), the Tensor samplers (normal_, uniform_, ...),
dropout, rrelu's training slopes, nn.init, and the shuffling of a DataLoader without a generator.
"""
import contextlib

from ._C import manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng",
           "default_generator"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices"):
    """Restores the default generator's state on exit (torch.random.fork_rng; ramp has no CUDA streams)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
