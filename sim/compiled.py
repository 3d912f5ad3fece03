"""numba, when it is installed: the one place that decides how loops are compiled.

Compiled loops live next to the numpy or networkx code they replace
(:mod:`sim.network.shortest`, :mod:`sim.engine.kernels`) and must give the same bits,
so they are compiled without fast-math. Without numba :data:`AVAILABLE` is False,
:func:`jit` returns the plain Python function, and callers take their reference path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    import numba
except ImportError:  # pragma: no cover - exercised where numba is not installed
    numba = None  # type: ignore[assignment]

AVAILABLE = numba is not None
"""Whether compiled loops can be used."""


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with numba when it is installed, cached on disk next to its module
    (the first call on a machine compiles it, a few seconds)."""
    if numba is None:
        return fn
    return numba.njit(cache=True, nogil=True)(fn)


def inline(fn: Callable[..., Any]) -> Callable[..., Any]:
    """As :func:`jit`, inlined into its callers (for helpers called once per pair or
    per edge, where a call costs more than the work)."""
    if numba is None:
        return fn
    return numba.njit(inline="always")(fn)
