"""The caching allocator: ``stats()`` (bytes allocated/cached, peak, allocation count, cache hits),
``empty_cache()``, ``reset_peak_stats()``, ``set_cache_limit(bytes)``."""
from ._C import memory as _memory

stats = _memory.stats
empty_cache = _memory.empty_cache
reset_peak_stats = _memory.reset_peak_stats
set_cache_limit = _memory.set_cache_limit

__all__ = ["stats", "empty_cache", "reset_peak_stats", "set_cache_limit"]
