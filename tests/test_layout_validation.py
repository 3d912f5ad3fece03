"""Reading and validating layout files: the tiny fixture loads, and each kind of mistake
is reported with the right key path, line and message.

Broken layouts are made by editing the text of ``tests/fixtures/tiny.yaml`` (each edit
must match exactly once), so every case differs from a valid file by one mistake.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.errors import LayoutError
from sim.layout import Layout, load_layout
from sim.layout.reader import LineIndex, Location, parse_yaml, read_yaml
from sim.layout.validate import validate_layout
from sim.params import AGENT_TYPES, Params

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"
LAST_LINE = "  bus: {name: Bus, kind: bus, node: n12, share: 0.3}\n"
ADD_NODE_N99 = (
    "  n22: {lat: 55.701798, lon: 12.563192}\n",
    "  n22: {lat: 55.701798, lon: 12.563192}\n  n99: {lat: 55.71, lon: 12.57}\n",
)


def _write(tmp_path: Path, edits: list[tuple[str, str]]) -> Path:
    """The tiny fixture with each ``(old, new)`` edit applied, written to a temp file."""
    text = TINY.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"edit must match once: {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "layout.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    """1-based line of the only line of ``path`` containing ``fragment``."""
    found = [
        i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if fragment in line
    ]
    assert len(found) == 1, f"fragment must be on exactly one line: {fragment!r}"
    return found[0]


def _error(path: Path) -> LayoutError:
    """The error loading ``path`` raises; it must be printable as one line."""
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    assert "\n" not in str(info.value)
    assert str(info.value) == info.value.one_line()
    return info.value


def _append(text: str) -> tuple[str, str]:
    """An edit adding ``text`` at the end of the file."""
    return (LAST_LINE, LAST_LINE + text)


# --- the valid fixture ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> Layout:
    """The tiny fixture, loaded once for the tests that only read it."""
    return load_layout(TINY)


def test_tiny_counts(tiny: Layout) -> None:
    assert tiny.name == "tiny"
    assert list(tiny.institutions) == ["uni", "hosp", "hub"]
    assert len(tiny.nodes) == 9
    assert len(tiny.edges) == 12
    assert list(tiny.buildings) == ["lab", "clinic", "annex", "hub"]
    assert list(tiny.venues) == ["lab_cafe", "lab_hall", "clinic_canteen", "hub_lab"]
    assert list(tiny.spaces) == ["square"]
    assert list(tiny.gateways) == ["metro", "bus"]
    assert tiny.source_file == str(TINY)


def test_tiny_grid_edges_are_100_m(tiny: Layout) -> None:
    for eid in ("h00", "h21", "v00", "v12"):
        assert tiny.edges[eid].length == pytest.approx(100.0, abs=1.0)


def test_tiny_origin_is_mean_of_nodes_and_xy_is_local(tiny: Layout) -> None:
    assert tiny.origin == pytest.approx((55.700899, 12.561596))
    centre = tiny.nodes["n11"]
    assert (centre.x, centre.y) == pytest.approx((0.0, 0.0), abs=1e-6)
    corner = tiny.nodes["n22"]
    assert corner.x == pytest.approx(100.0, abs=1.0)
    assert corner.y == pytest.approx(100.0, abs=1.0)


def test_tiny_edge_defaults(tiny: Layout) -> None:
    assert tiny.edges["h00"].traffic == "high"
    assert tiny.edges["v00"].traffic == "none"
    assert tiny.edges["v00"].frontage == 0.0
    assert tiny.edges["v01"].frontage == 0.5
    assert (tiny.edges["h00"].source, tiny.edges["h00"].target) == ("n00", "n01")
    assert tiny.edges["h00"].name == "Row 0"


def test_tiny_buildings_and_venues(tiny: Layout) -> None:
    hub = tiny.buildings["hub"]
    assert hub.institutions == ("hub", "uni")
    assert hub.population == {"researcher": 10, "student": 0, "startup": 40, "clinician": 0}
    assert list(hub.population) == list(AGENT_TYPES)
    assert tiny.buildings["clinic"].entrances == ("n22", "n21")
    assert tiny.buildings["lab"].venues == ("lab_cafe", "lab_hall")
    assert tiny.buildings["annex"].venues == ()
    cafe = tiny.venues["lab_cafe"]
    assert (cafe.building, cafe.kind, cafe.capacity, cafe.access) == ("lab", "cafe", 40, "public")
    assert (cafe.open_s, cafe.close_s) == (8 * 3600, 17 * 3600)
    assert cafe.area_m2 == pytest.approx(40 * Params().model.venue_m2_per_person)
    assert tiny.total_population() == {
        "researcher": 40,
        "student": 60,
        "startup": 40,
        "clinician": 60,
    }


def test_tiny_spaces_gateways_params(tiny: Layout) -> None:
    assert tiny.spaces["square"].area_m2 == 2500
    assert tiny.gateways["metro"].share == pytest.approx(0.7)
    assert tiny.params == Params()


def test_overrides_build_params(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _append(
                "agents:\n"
                "  student: {coffee_rate: 1.2, errand_kinds: [lecture_hall, cafe]}\n"
                "  clinician: {errand_scope: any}\n"
                "model:\n  greet_radius_m: 15\n  route_profiles: 4\n"
            )
        ],
    )
    params = load_layout(path).params
    assert params.agent("student").coffee_rate == pytest.approx(1.2)
    assert params.agent("student").errand_kinds == ("lecture_hall", "cafe")
    assert params.agent("clinician").errand_scope == "any"
    assert params.agent("researcher") == Params().agent("researcher")
    assert params.model.greet_radius_m == 15.0
    assert params.model.route_profiles == 4
    assert isinstance(params.model.route_profiles, int)


def test_optional_fields_and_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            (
                "description: Small synthetic district for tests\n",
                "origin: {lat: 55.7, lon: 12.56}\n",
            ),
            ('hours: "08:00-20:00"', 'hours: "08:00-24:00", area: 99, name: Hub lab'),
            ("entrances: [n20]", "entrances: n20"),
            ("{name: Metro, kind: metro,", "{kind: metro,"),
            (
                "h00: {from: n00, to: n01, kind: street, traffic: high, name: Row 0}",
                "h00: {from: n00, to: n01, kind: street, length: 140}",
            ),
        ],
    )
    layout = load_layout(path)
    assert layout.origin == (55.7, 12.56)
    assert (layout.nodes["n00"].x, layout.nodes["n00"].y) == pytest.approx((0.0, 0.0))
    assert layout.description == ""
    lab = layout.venues["hub_lab"]
    assert (lab.close_s, lab.area_m2, lab.name) == (24 * 3600, 99.0, "Hub lab")
    assert layout.buildings["annex"].entrances == ("n20",)
    assert layout.gateways["metro"].name == "metro"
    assert (layout.edges["h00"].length, layout.edges["h00"].traffic) == (140.0, "low")


def test_empty_optional_section_is_allowed(tmp_path: Path) -> None:
    path = _write(
        tmp_path, [("  square: {name: Square, kind: plaza, node: n11, area: 2500}\n", "")]
    )
    assert load_layout(path).spaces == {}


# --- one case per kind of mistake -------------------------------------------------------

CASES = [
    # wrong type
    pytest.param(
        [("capacity: 40,", "capacity: lots,")],
        "buildings.lab.venues.lab_cafe.capacity",
        "capacity: lots",
        "expected an integer > 0, got 'lots'",
        id="wrong-type-integer",
    ),
    pytest.param(
        [("n00: {lat: 55.700000,", "n00: {lat: north,")],
        "nodes.n00.lat",
        "lat: north",
        "expected a number between -90 and 90, got 'north'",
        id="wrong-type-number",
    ),
    pytest.param(
        [
            (
                "public_spaces:\n  square: {name: Square, kind: plaza, node: n11, area: 2500}",
                "public_spaces: [square]",
            )
        ],
        "public_spaces",
        "public_spaces:",
        "expected a mapping of id → public space, got a list",
        id="wrong-type-section",
    ),
    pytest.param(
        [("name: Row 1}\n  h11", "name: 7}\n  h11")],
        "edges.h10.name",
        "h10:",
        "expected text, got 7 (put it in quotes)",
        id="wrong-type-text",
    ),
    pytest.param(
        [("  n00: {lat", "  12: {lat"), ("from: n00, to: n01", "from: '12', to: n01")],
        "nodes[12]",
        "  12: {lat",
        "got 12; put the id in quotes",
        id="id-read-as-number",
    ),
    # unknown and missing keys
    pytest.param(
        [("capacity: 80", "capactiy: 80")],
        "buildings.clinic.venues.clinic_canteen.capactiy",
        "capactiy",
        "unknown key 'capactiy'; did you mean 'capacity'?",
        id="unknown-key",
    ),
    pytest.param(
        [("description: Small", "descripton: Small")],
        "descripton",
        "descripton",
        "did you mean 'description'?",
        id="unknown-top-level-key",
    ),
    pytest.param(
        [("h00: {from: n00, to: n01, kind: street,", "h00: {from: n00, to: n01,")],
        "edges.h00",
        "h00:",
        "missing required key 'kind'",
        id="missing-key",
    ),
    pytest.param(
        [("    entrances: [n00]\n", "")],
        "buildings.lab",
        "  lab:",
        "missing required key 'entrances'",
        id="missing-key-block",
    ),
    # dangling references
    pytest.param(
        [("h00: {from: n00, to: n01", "h00: {from: n00, to: n91")],
        "edges.h00.to",
        "h00:",
        "unknown node 'n91'",
        id="dangling-edge-endpoint",
    ),
    pytest.param(
        [("entrances: [n22, n21]", "entrances: [n22, n29]")],
        "buildings.clinic.entrances[1]",
        "n29",
        "unknown node 'n29'",
        id="dangling-entrance",
    ),
    pytest.param(
        [("node: n11", "node: n77")],
        "public_spaces.square.node",
        "n77",
        "unknown node 'n77'",
        id="dangling-space-node",
    ),
    pytest.param(
        [("node: n10, share", "node: n70, share")],
        "gateways.metro.node",
        "n70",
        "unknown node 'n70'",
        id="dangling-gateway-node",
    ),
    pytest.param(
        [("institution: [hub, uni]", "institution: [hub, univ]")],
        "buildings.hub.institution[1]",
        "[hub, univ]",
        "unknown institution 'univ'; did you mean 'uni'?",
        id="dangling-institution",
    ),
    pytest.param(
        [("entrances: [n22, n21]", "entrances: [n22, n22]")],
        "buildings.clinic.entrances[1]",
        "[n22, n22]",
        "node 'n22' is listed twice",
        id="entrance-twice",
    ),
    pytest.param(
        [("entrances: [n22, n21]", "entrances: []")],
        "buildings.clinic.entrances",
        "entrances: []",
        "expected at least one node, got an empty list",
        id="no-entrances",
    ),
    pytest.param(
        [("name: tiny\n", "name: ../tiny\n")],
        "name",
        "name: ../tiny",
        "expected a name usable as a folder name",
        id="scenario-name-path",
    ),
    # unreachable items
    pytest.param(
        [ADD_NODE_N99, ("entrances: [n00]", "entrances: [n99]")],
        "buildings.lab.entrances[0]",
        "entrances: [n99]",
        "entrance 'n99' of building 'lab' cannot be reached from gateway 'metro'",
        id="unreachable-entrance",
    ),
    pytest.param(
        [ADD_NODE_N99, ("node: n11", "node: n99")],
        "public_spaces.square.node",
        "square:",
        "public space 'square' (node 'n99') cannot be reached",
        id="unreachable-space",
    ),
    pytest.param(
        [ADD_NODE_N99, ("node: n12, share", "node: n99, share")],
        "gateways.bus.node",
        "bus: {",
        "gateway 'bus' (node 'n99') cannot be reached from gateway 'metro'",
        id="unreachable-gateway",
    ),
    # nonsense values
    pytest.param(
        [("{clinician: 50}", "{clinician: -5}")],
        "buildings.clinic.population.clinician",
        "clinician: -5",
        "expected an integer between 0 and 1,000,000, got -5",
        id="negative-population",
    ),
    pytest.param(
        [('"08:00-17:00"', '"08:00-25:00"')],
        "buildings.lab.venues.lab_cafe.hours",
        "25:00",
        "expected times between 00:00 and 24:00",
        id="hours-25",
    ),
    pytest.param(
        [('"08:00-17:00"', '"17:00-08:00"')],
        "buildings.lab.venues.lab_cafe.hours",
        "17:00-08:00",
        "expected opening before closing",
        id="hours-reversed",
    ),
    pytest.param(
        [('"08:00-17:00"', '"8am to 5pm"')],
        "buildings.lab.venues.lab_cafe.hours",
        "8am",
        'expected hours as "HH:MM-HH:MM"',
        id="hours-format",
    ),
    pytest.param(
        [('hours: "11:00-14:00"', "hours: 11:00")],
        "buildings.clinic.venues.clinic_canteen.hours",
        "hours: 11:00",
        "in quotes",
        id="hours-unquoted",
    ),
    pytest.param(
        [("share: 0.7", "share: 1.7")],
        "gateways.metro.share",
        "share: 1.7",
        "expected a number between 0 and 1, got 1.7",
        id="share-out-of-range",
    ),
    pytest.param(
        [("share: 0.3", "share: 0.2")],
        "gateways",
        "gateways:",
        "expected gateway shares adding up to 1 (± 0.01), got 0.9",
        id="shares-sum",
    ),
    pytest.param(
        [("n00: {lat: 55.700000,", "n00: {lat: 95,")],
        "nodes.n00.lat",
        "n00:",
        "expected a number between -90 and 90, got 95",
        id="lat-range",
    ),
    pytest.param(
        [("n00: {lat: 55.700000, lon: 12.560000}", "n00: {lat: 55.7, lon: 212.56}")],
        "nodes.n00.lon",
        "n00:",
        "expected a number between -180 and 180, got 212.56",
        id="lon-range",
    ),
    pytest.param(
        [("h00: {from: n00, to: n01", "h00: {from: n00, to: n00")],
        "edges.h00.to",
        "h00:",
        "got 'n00' at both ends",
        id="edge-loop",
    ),
    pytest.param(
        [("traffic: high, name: Row 0}\n  h01", "length: 0}\n  h01")],
        "edges.h00.length",
        "h00:",
        "expected a number > 0, got 0",
        id="length-zero",
    ),
    pytest.param(
        [("n01: {lat: 55.700000, lon: 12.561596}", "n01: {lat: 55.700000, lon: 12.560000}")],
        "edges.h00",
        "h00:",
        "are at the same place; give the edge a length > 0",
        id="length-zero-computed",
    ),
    pytest.param(
        [("kind: park_path, frontage: 0.5}\n  v11", "kind: park_path, frontage: 1.5}\n  v11")],
        "edges.v01.frontage",
        "v01:",
        "expected a number between 0 and 1, got 1.5",
        id="frontage-range",
    ),
    pytest.param(
        [("capacity: 30", "capacity: 0")],
        "buildings.hub.venues.hub_lab.capacity",
        "capacity: 0",
        "expected an integer > 0, got 0",
        id="capacity-zero",
    ),
    pytest.param(
        [("{clinician: 50}", "{clinican: 50}")],
        "buildings.clinic.population.clinican",
        "clinican: 50",
        "unknown agent type 'clinican'; did you mean 'clinician'?",
        id="unknown-agent-type",
    ),
    # unknown enum values
    pytest.param(
        [("to: n10, kind: footpath}", "to: n10, kind: sidewalk}")],
        "edges.v00.kind",
        "sidewalk",
        "unknown edge kind 'sidewalk'",
        id="enum-edge-kind",
    ),
    pytest.param(
        [("traffic: low, name: Row 1}\n  h11", "traffic: medium, name: Row 1}\n  h11")],
        "edges.h10.traffic",
        "medium",
        "unknown traffic level 'medium' (expected one of: none, low, high)",
        id="enum-traffic",
    ),
    pytest.param(
        [("kind: cafe", "kind: bar")],
        "buildings.lab.venues.lab_cafe.kind",
        "kind: bar",
        "unknown venue kind 'bar' (expected one of: cafe, canteen,",
        id="enum-venue-kind",
    ),
    pytest.param(
        [("access: members", "access: staff")],
        "buildings.lab.venues.lab_hall.access",
        "staff",
        "unknown access 'staff'",
        id="enum-access",
    ),
    pytest.param(
        [("kind: plaza", "kind: garden")],
        "public_spaces.square.kind",
        "garden",
        "unknown public space kind 'garden'",
        id="enum-space-kind",
    ),
    pytest.param(
        [("kind: bus,", "kind: tram,")],
        "gateways.bus.kind",
        "tram",
        "unknown gateway kind 'tram'",
        id="enum-gateway-kind",
    ),
    pytest.param(
        [("sector: hospital", "sector: clinic")],
        "institutions.hosp.sector",
        "sector: clinic",
        "unknown sector 'clinic'",
        id="enum-sector",
    ),
    # district-wide rules
    pytest.param(
        [("hub_lab:", "lab_cafe:")],
        "buildings.hub.venues.lab_cafe",
        "lab_cafe: {kind: shared_lab",
        "venue id 'lab_cafe' is already used in building 'lab'",
        id="duplicate-venue-id",
    ),
    pytest.param(
        [
            ("  metro: {name: Metro, kind: metro, node: n10, share: 0.7}\n", ""),
            (LAST_LINE, ""),
        ],
        "gateways",
        "gateways:",
        "expected at least one gateway",
        id="no-gateways",
    ),
    # parameter overrides
    pytest.param(
        [_append("model:\n  greet_radius: 15\n")],
        "model.greet_radius",
        "greet_radius:",
        "unknown parameter 'greet_radius'; did you mean 'greet_radius_m'?",
        id="param-unknown",
    ),
    pytest.param(
        [_append("model:\n  greet_radius_m: far\n")],
        "model.greet_radius_m",
        "greet_radius_m",
        "expected a number between 1 and 200, got 'far'",
        id="param-not-number",
    ),
    pytest.param(
        [_append("model:\n  greet_radius_m: 500\n")],
        "model.greet_radius_m",
        "greet_radius_m",
        "expected a number between 1 and 200, got 500",
        id="param-out-of-bounds",
    ),
    pytest.param(
        [_append("model:\n  route_profiles: 2.5\n")],
        "model.route_profiles",
        "route_profiles",
        "expected an integer between 1 and 64, got 2.5",
        id="param-not-integer",
    ),
    pytest.param(
        [_append("agents:\n  phd: {coffee_rate: 1}\n")],
        "agents.phd",
        "phd:",
        "unknown agent type 'phd'",
        id="param-unknown-agent-type",
    ),
    pytest.param(
        [_append("agents:\n  student:\n    errand_kinds: [lecture_hall, pub]\n")],
        "agents.student.errand_kinds[1]",
        "errand_kinds",
        "unknown venue kind 'pub'",
        id="param-errand-kinds",
    ),
    pytest.param(
        [_append("agents:\n  student: {errand_kinds: lecture_hall}\n")],
        "agents.student.errand_kinds",
        "errand_kinds",
        "expected a list of venue kinds, got 'lecture_hall'",
        id="param-errand-kinds-not-list",
    ),
    pytest.param(
        [_append("agents:\n  student: {errand_scope: everyone}\n")],
        "agents.student.errand_scope",
        "everyone",
        "unknown errand scope 'everyone' (expected one of: own_institution, any,",
        id="param-errand-scope",
    ),
]


@pytest.mark.parametrize(("edits", "key_path", "line_fragment", "phrase"), CASES)
def test_mistake_is_reported(
    tmp_path: Path, edits: list[tuple[str, str]], key_path: str, line_fragment: str, phrase: str
) -> None:
    path = _write(tmp_path, edits)
    err = _error(path)
    assert err.file == str(path)
    assert err.path == key_path
    assert err.line == _line_of(path, line_fragment)
    assert phrase in err.message


# --- file-level errors (reader) ---------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope.yaml")
    assert err.message == "file not found"
    assert (err.file, err.line) == (str(tmp_path / "nope.yaml"), None)


def test_directory_is_unreadable(tmp_path: Path) -> None:
    assert "unreadable" in _error(tmp_path).message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: tiny\ndescription: Nørrebro\n".encode("latin-1"))
    err = _error(path)
    assert (err.message, err.line) == ("unreadable: not UTF-8 text", 2)


def test_broken_yaml_reports_problem_line(tmp_path: Path) -> None:
    path = _write(tmp_path, [("name: tiny\n", "name: tiny: oops\n")])
    err = _error(path)
    assert err.line == _line_of(path, "name: tiny: oops")
    assert err.message.startswith("invalid YAML: ")
    assert "mapping values are not allowed here" in err.message


def test_duplicate_key(tmp_path: Path) -> None:
    path = _write(tmp_path, [("  n01: {lat", "  n00: {lat: 1, lon: 2}\n  n01: {lat")])
    err = _error(path)
    assert err.path == "nodes.n00"
    assert err.line == _line_of(path, "n00: {lat: 1")
    assert err.message == "duplicate key 'n00' (first at line 9)"


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("# comment\n- a\n- b\n", encoding="utf-8")
    err = _error(path)
    assert (err.path, err.line) == (None, 2)
    assert "expected a mapping of layout sections" in err.message


def test_missing_top_level_section(tmp_path: Path) -> None:
    text = TINY.read_text(encoding="utf-8")
    path = tmp_path / "layout.yaml"
    path.write_text(text[: text.index("gateways:")], encoding="utf-8")
    err = _error(path)
    assert (err.path, err.line) == (None, 2)
    assert err.message == "missing required key 'gateways'"


def test_message_is_one_line_even_for_multiline_values(tmp_path: Path) -> None:
    path = _write(tmp_path, [("capacity: 80", '"capa\\ncity": 80')])
    err = _error(path)
    assert err.path == "buildings.clinic.venues.clinic_canteen.'capa\\ncity'"
    assert "\n" not in err.one_line()
    assert err.one_line() == (
        f"{path}:{err.line}: {err.path}: unknown key 'capa\\ncity'; did you mean 'capacity'? "
        "(expected one of: kind, capacity, hours, access, area, name, rooms)"
    )


# --- the line index ---------------------------------------------------------------------


def test_line_index_falls_back_to_parent() -> None:
    data, lines = parse_yaml("a:\n  b:\n    - x\n    - y\n  c: 1\n", "f.yaml")
    assert data == {"a": {"b": ["x", "y"], "c": 1}}
    assert lines.line_of(("a", "b", 1)) == 4
    assert lines.line_of(("a", "c")) == 5
    assert lines.line_of(("a", "b", 1, "missing", "deeper")) == 4
    assert lines.line_of(("zzz",)) == 1
    assert lines.file_of(("a", "c")) == "f.yaml"
    assert LineIndex().line_of(("a",)) is None


def test_line_index_overlay_keeps_each_entrys_file() -> None:
    _, base = parse_yaml("a: 1\nb:\n  c: 2\n", "base.yaml")
    _, top = parse_yaml("\nb:\n  c: 3\n", "variant.yaml")
    merged = base.without(("b",)).overlay(top)
    assert merged.locate(("a",)) == Location("base.yaml", 1)
    assert merged.locate(("b", "c")) == Location("variant.yaml", 3)
    assert ("b", "c") not in base.without(("b",))
    assert ("b", "c") in base


def test_merge_keys_and_aliases() -> None:
    text = "base: &b {p: 1, q: 2}\nx:\n  <<: *b\n  p: 3\ny: *b\n"
    data, lines = parse_yaml(text, "f.yaml")
    assert data == {"base": {"p": 1, "q": 2}, "x": {"p": 3, "q": 2}, "y": {"p": 1, "q": 2}}
    assert lines.line_of(("x", "p")) == 4
    assert lines.line_of(("x", "q")) == 1


def test_validate_layout_accepts_data_from_the_reader() -> None:
    data, lines = read_yaml(TINY)
    layout = validate_layout(data, lines, "somewhere.yaml")
    assert layout.source_file == "somewhere.yaml"
    assert math.isclose(sum(g.share for g in layout.gateways.values()), 1.0)


def test_a_file_read_again_is_parsed_again_only_if_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a: {b: 1}\nc: [1, 2]\n", encoding="utf-8")
    first, lines = read_yaml(path)
    first["a"]["b"] = 99  # a caller merging into its copy
    again, lines_again = read_yaml(path)
    assert again == {"a": {"b": 1}, "c": [1, 2]} and lines_again is lines
    path.write_text("a: {b: 2}\nc: [1, 2]\n", encoding="utf-8")
    assert read_yaml(path)[0] == {"a": {"b": 2}, "c": [1, 2]}
    path.write_text("a: {b: 2\n", encoding="utf-8")
    with pytest.raises(LayoutError, match="invalid YAML"):
        read_yaml(path)


def test_a_layout_loaded_again_is_a_copy_and_follows_edits_of_every_file(
    tmp_path: Path,
) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(Path(TINY).read_text(encoding="utf-8"), encoding="utf-8")
    variant = tmp_path / "variant.yaml"
    variant.write_text("extends: base.yaml\nname: the variant\n", encoding="utf-8")
    first = load_layout(variant)
    first.institutions.clear()  # a careless caller
    again = load_layout(variant)
    assert again.name == "the variant" and again.institutions and again is not first
    radius = again.params.model.greet_radius_m
    assert load_layout(variant, {"model.greet_radius_m": radius + 1}).params.model.greet_radius_m \
        == radius + 1
    assert load_layout(variant).params.model.greet_radius_m == radius
    # The file it extends changes: loaded afresh.
    base.write_text(base.read_text(encoding="utf-8") + "\nbogus_key: 1\n", encoding="utf-8")
    with pytest.raises(LayoutError, match="bogus_key"):
        load_layout(variant)
