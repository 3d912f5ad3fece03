"""The layout a ranking starts from, and candidate variants checked against it.

A candidate is a variant body (``add:``, ``modify:``, ``remove:``, ``model:``,
``agents:``) without ``extends``: it always extends the layout being ranked. Every
candidate is merged into the base and validated in memory before anything runs or is
written, so a candidate that would break the district fails at once with one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from sim.errors import LayoutError
from sim.layout.load import resolve_layout
from sim.layout.overlay import apply_variant
from sim.layout.reader import LineIndex
from sim.layout.schema import Layout
from sim.layout.validate import validate_layout


@dataclass(frozen=True)
class Base:
    """The layout being ranked, as data and as a validated layout.

    Attributes
    ----------
    path
        The file as given.
    files
        Every file it is made of (those it extends, then itself).
    data, lines
        Merged raw data and its line index.
    layout
        The validated layout.
    """

    path: str
    files: tuple[str, ...]
    data: Any
    lines: LineIndex
    layout: Layout

    def walk_graph(self) -> nx.Graph:
        """Undirected graph of the layout's nodes, edges weighted by ``length`` in metres.

        Of two parallel edges the shorter counts, as a walker would take it.
        """
        g = nx.Graph()
        g.add_nodes_from(self.layout.nodes)
        for e in self.layout.edges.values():
            if not g.has_edge(e.source, e.target) or g[e.source][e.target]["length"] > e.length:
                g.add_edge(e.source, e.target, length=e.length, id=e.id)
        return g

    def xy(self, node: str) -> np.ndarray:
        """Local metres of a node."""
        n = self.layout.nodes[node]
        return np.array([n.x, n.y])


def load_base(path: str | os.PathLike[str]) -> Base:
    """Read and validate the layout to rank.

    Raises
    ------
    LayoutError
        If it is missing or invalid (one line naming file and line).
    """
    file = os.fspath(path)
    resolved = resolve_layout(file)
    layout = validate_layout(resolved.data, resolved.lines, file)
    return Base(file, resolved.files, resolved.data, resolved.lines, layout)


def apply_changes(
    base: Base, changes: dict[str, Any], lines: LineIndex | None = None, file: str | None = None
) -> Layout:
    """The base with a candidate's changes merged in, validated.

    Parameters
    ----------
    base
        The layout being ranked.
    changes
        A variant body; must hold ``name``.
    lines, file
        Where the changes were written, for error messages; a generated candidate has
        neither and its errors name the base file.

    Raises
    ------
    LayoutError
        If the changes cannot be applied or the result is not a valid layout.
    """
    where = file or base.path
    data, merged = apply_variant(base.data, base.lines, changes, lines or LineIndex(), where)
    return validate_layout(data, merged, where)


def check_generated(base: Base, changes: dict[str, Any], what: str) -> Layout:
    """Validate a generated candidate; a failure is a bug of its generator, said plainly."""
    try:
        return apply_changes(base, changes)
    except LayoutError as err:
        raise LayoutError(
            f"generated candidate {what} is not a valid variant ({err.message}); "
            "please report this",
            file=base.path,
        ) from None
