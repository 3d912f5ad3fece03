"""Argument types shared by the command-line parsers (``run``, ``compare``, ``sweep``).

Each returns the parsed value or raises ``argparse.ArgumentTypeError``, which argparse
turns into its usage message and exit status 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type accepting whole numbers from ``minimum`` to ``maximum``.

    Parameters
    ----------
    minimum
        The smallest value accepted.
    maximum
        The largest value accepted (a documented limit, :mod:`sim.limits`), or none.

    Returns
    -------
    callable
        ``str -> int``.
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            wanted = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"
            raise argparse.ArgumentTypeError(f"expected a whole number {wanted}, got {value}")
        return value

    return parse


def positive_number(text: str) -> float:
    """An argparse type accepting finite numbers > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value
