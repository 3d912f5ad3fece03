"""A progress bar on stderr that stays silent for short runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

SHOW_AFTER_S = 2.0
"""Runs shorter than this never show a bar."""


@contextmanager
def progress_bar(total: int, desc: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """Yield a callback that advances a bar of ``total`` steps by one, with a label."""
    with tqdm(
        total=total, desc=desc, unit="step", disable=quiet, delay=SHOW_AFTER_S, leave=False
    ) as bar:

        def advance(label: str) -> None:
            bar.set_postfix_str(label, refresh=False)
            bar.update(1)

        yield advance
