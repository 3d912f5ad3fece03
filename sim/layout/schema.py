"""The validated layout: plain frozen dataclasses, produced only by ``validate``.

Everything downstream (street graph, population, engine, outputs) reads these and never
the raw YAML. Coordinates are kept both as WGS84 and as local metres (x east, y north)
about the layout's origin.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sim.errors import ParameterError
from sim.limits import MAX_PEOPLE
from sim.params import Params


@dataclass(frozen=True)
class Institution:
    """An organisation people belong to (a faculty, a hospital, a start-up hub)."""

    id: str
    name: str
    sector: str = "other"


@dataclass(frozen=True)
class Node:
    """A point of the street/path graph."""

    id: str
    lat: float
    lon: float
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    """An undirected street or path segment between two nodes."""

    id: str
    source: str
    target: str
    kind: str
    traffic: str
    frontage: float
    length: float
    name: str = ""
    seating: str = "none"
    greenery: str = "none"


@dataclass(frozen=True)
class Venue:
    """A ground-floor place inside a building (cafe, canteen, lecture hall, ...)."""

    id: str
    building: str
    kind: str
    capacity: int
    open_s: float
    close_s: float
    access: str
    area_m2: float
    name: str = ""
    rooms: int = 1


@dataclass(frozen=True)
class Building:
    """A building: the home of agents, with entrances on the graph and venues."""

    id: str
    name: str
    institutions: tuple[str, ...]
    entrances: tuple[str, ...]
    population: dict[str, int]
    venues: tuple[str, ...] = ()
    footprint: tuple[tuple[tuple[float, float], ...], ...] = ()
    """Outline rings as ``(lat, lon)`` points, each closed (last = first); empty if none."""
    footprint_xy: tuple[tuple[tuple[float, float], ...], ...] = ()
    """The same rings in local metres ``(x, y)``."""


@dataclass(frozen=True)
class PublicSpace:
    """A plaza or park area reached from one node, where people linger."""

    id: str
    name: str
    kind: str
    node: str
    area_m2: float
    seating: str = "some"
    greenery: str = "none"


@dataclass(frozen=True)
class Gateway:
    """Where people arrive in and leave the district (metro, bus, bike parking)."""

    id: str
    name: str
    kind: str
    node: str
    share: float


@dataclass(frozen=True)
class Layout:
    """A complete, validated district layout.

    Mappings keep file order, which fixes the index of every item in arrays.
    """

    name: str
    source_file: str
    origin: tuple[float, float]
    institutions: dict[str, Institution]
    nodes: dict[str, Node]
    edges: dict[str, Edge]
    buildings: dict[str, Building]
    venues: dict[str, Venue]
    spaces: dict[str, PublicSpace]
    gateways: dict[str, Gateway]
    params: Params = field(default_factory=Params)
    description: str = ""
    attribution: str = ""
    title: str = ""
    """Name shown in figures and reports; ``name`` (a folder name) where empty."""
    scale: float = 1.0
    """Population multiplier applied by :meth:`scaled` (1: as written in the file)."""

    @property
    def display_name(self) -> str:
        """The ``title``, or the ``name`` where the layout has none."""
        return self.title or self.name

    def total_population(self) -> dict[str, int]:
        """People per agent type, summed over buildings."""
        totals: dict[str, int] = {}
        for b in self.buildings.values():
            for t, n in b.population.items():
                totals[t] = totals.get(t, 0) + n
        return totals

    def scaled(self, factor: float) -> Layout:
        """A copy with every building's population multiplied by ``factor`` (rounded).

        ``scale`` of the copy records the product of all factors applied.

        Raises
        ------
        ParameterError
            If the scaled layout would exceed :data:`sim.limits.MAX_PEOPLE` people
            (checked before anything is allocated).
        """
        people = sum(sum(b.population.values()) for b in self.buildings.values())
        if people * factor > MAX_PEOPLE:
            raise ParameterError(
                f"expected a scale giving at most {MAX_PEOPLE:,} people; {factor:g} × "
                f"{people:,} people in {self.name} is {people * factor:,.0f}",
                path="scale",
            )
        buildings = {
            bid: dataclasses.replace(
                b, population={t: round(n * factor) for t, n in b.population.items()}
            )
            for bid, b in self.buildings.items()
        }
        return dataclasses.replace(self, buildings=buildings, scale=self.scale * factor)
