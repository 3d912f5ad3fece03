"""Layout files: reading YAML with line numbers, validating, and the validated model."""

from sim.layout.load import load_layout
from sim.layout.schema import (
    Building,
    Edge,
    Gateway,
    Institution,
    Layout,
    Node,
    PublicSpace,
    Venue,
)

__all__ = [
    "Building",
    "Edge",
    "Gateway",
    "Institution",
    "Layout",
    "Node",
    "PublicSpace",
    "Venue",
    "load_layout",
]
