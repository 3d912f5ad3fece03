"""numba, when it is installed: the one place that decides how loops are compiled.

Compiled loops live next to the numpy or networkx code they replace
(:mod:`sim.network.shortest`, :mod:`sim.engine.kernels`) and must give the same bits,
so they are compiled without fast-math. Without numba :data:`AVAILABLE` is False,
:func:`jit` returns the plain Python function, and callers take their reference path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

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


@inline
def pairwise_sum(values: np.ndarray, lo: int, n: int) -> float:
    """Sum of ``values[lo:lo+n]`` in the order numpy's add-reduction uses (pairwise in
    blocks of eight), so that sums match ``np.add.reduceat`` and a row's ``sum`` bit for
    bit.

    numpy halves a range longer than 128 (the half rounded down to a multiple of 8) and
    adds the two halves' sums. That tree is walked here with a stack of its own, not by
    recursion, so that the loop can be inlined into its callers: a compiled function
    that calls a compiled function of another module keeps the callee's old machine
    code in numba's on-disk cache after the callee's module changes, and crashes (numba
    checks only the caller's own file); inlined, it is part of the caller's code.
    """
    if n <= 128:
        return _block_sum(values, lo, n)
    # A frame per range being summed: 0 new, 1 left half under way, 2 right half.
    frame_lo = np.empty(64, np.int64)
    frame_n = np.empty(64, np.int64)
    stage = np.zeros(64, np.int64)
    left = np.empty(64)
    top = 0
    frame_lo[0], frame_n[0] = lo, n
    result = 0.0
    while top >= 0:
        start, size = frame_lo[top], frame_n[top]
        half = size // 2
        half -= half % 8
        if stage[top] == 0 and size <= 128:
            result = _block_sum(values, start, size)
            top -= 1
        elif stage[top] == 0:
            stage[top] = 1
            top += 1
            frame_lo[top], frame_n[top], stage[top] = start, half, 0
        elif stage[top] == 1:
            left[top] = result
            stage[top] = 2
            top += 1
            frame_lo[top], frame_n[top], stage[top] = start + half, size - half, 0
        else:
            result = left[top] + result
            top -= 1
    return result


@inline
def _block_sum(values: np.ndarray, lo: int, n: int) -> float:
    """numpy's sum of at most 128 values: eight running sums, then the rest in order."""
    if n < 8:
        res = 0.0
        for k in range(lo, lo + n):
            res += values[k]
        return res
    r = np.empty(8)
    for q in range(8):
        r[q] = values[lo + q]
    k = 8
    while k < n - (n % 8):
        for q in range(8):
            r[q] += values[lo + k + q]
        k += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while k < n:
        res += values[lo + k]
        k += 1
    return res
