"""Variant files (``extends:``): merging changes into the base, chains and lists of
bases, mistakes reported with file, line and key path, ``show``, and the vision-plan
scenarios.

Variants are written next to a copy of ``tests/fixtures/tiny.yaml`` in ``tmp_path``, so
``extends: tiny.yaml`` resolves relative to the variant file.
"""

from __future__ import annotations

import dataclasses
import shutil
import textwrap
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import LayoutError
from sim.layout import Layout, load_layout
from sim.layout.diff import UNSET, KeyChange, diff_raw
from sim.layout.load import load_raw, resolve_layout

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"
ROOT = Path(__file__).parent.parent
VISION = sorted((ROOT / "scenarios" / "vision").glob("*.yaml"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A temp folder holding a copy of the tiny fixture as ``tiny.yaml``."""
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    return tmp_path


@pytest.fixture(scope="module")
def base() -> Layout:
    return load_layout(TINY)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    """1-based line of the only line of ``path`` containing ``fragment``."""
    found = [
        i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if fragment in line
    ]
    assert len(found) == 1, f"fragment must be on exactly one line: {fragment!r}"
    return found[0]


def _error(path: Path) -> LayoutError:
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    assert "\n" not in str(info.value)
    return info.value


# --- merging ----------------------------------------------------------------------------


def test_add_remove_modify_across_sections(folder: Path, base: Layout) -> None:
    path = _write(
        folder,
        "v.yaml",
        """
        extends: tiny.yaml
        name: changed
        remove:
          edges: [v00]
          public_spaces: square
        modify:
          edges:
            h00: {kind: park_path, traffic: none, name: Row 0 park}
          gateways:
            metro: {share: 0.6}
          institutions:
            hub: {sector: other}
        add:
          institutions:
            lab2: {name: Second lab, sector: university}
          nodes:
            n99: {lat: 55.7005, lon: 12.5625}
          edges:
            x1: {from: n12, to: n99, kind: footpath, frontage: 0.4}
          buildings:
            new:
              institution: lab2
              entrances: [n99]
              population: {researcher: 20}
          public_spaces:
            park: {kind: park, node: n99, area: 900}
          gateways:
            bike: {kind: bike, node: n99, share: 0.1}
        """,
    )
    layout = load_layout(path)
    assert layout.name == "changed"
    assert "v00" not in layout.edges and "square" not in layout.spaces
    h00 = layout.edges["h00"]
    assert (h00.kind, h00.traffic, h00.name) == ("park_path", "none", "Row 0 park")
    assert h00.source == "n00" and h00.frontage == 0  # untouched keys kept
    assert layout.gateways["metro"].share == 0.6
    assert layout.institutions["hub"].sector == "other"
    assert layout.institutions["hub"].name == base.institutions["hub"].name
    # Added items come after the base's, in the variant's order.
    assert list(layout.edges)[-1] == "x1" and layout.edges["x1"].frontage == 0.4
    assert list(layout.buildings) == [*base.buildings, "new"]
    assert layout.buildings["new"].institutions == ("lab2",)
    assert list(layout.spaces) == ["park"]
    assert list(layout.gateways) == ["metro", "bus", "bike"]
    assert layout.total_population()["researcher"] == base.total_population()["researcher"] + 20


def test_venues_and_population_change_without_restating_the_building(
    folder: Path, base: Layout
) -> None:
    path = _write(
        folder,
        "v.yaml",
        """
        extends: tiny.yaml
        name: venues
        remove:
          venues: [lab_hall]
        modify:
          buildings:
            lab:
              population: {student: 100}
          venues:
            lab_cafe: {capacity: 80, access: members}
        add:
          venues:
            lab_bar: {building: lab, kind: cafe, capacity: 20, hours: "16:00-22:00", access: public}
            annex_cafe:
              {building: annex, kind: cafe, capacity: 10, hours: "08:00-16:00", access: public}
        """,
    )
    layout = load_layout(path)
    lab = layout.buildings["lab"]
    assert lab.venues == ("lab_cafe", "lab_bar")
    assert lab.population["student"] == 100
    assert lab.population["researcher"] == base.buildings["lab"].population["researcher"]
    assert lab.name == base.buildings["lab"].name and lab.entrances == ("n00",)
    assert layout.venues["lab_cafe"].capacity == 80
    assert layout.venues["lab_cafe"].access == "members"
    assert layout.venues["lab_cafe"].open_s == base.venues["lab_cafe"].open_s
    assert layout.buildings["annex"].venues == ("annex_cafe",)
    assert layout.venues["lab_bar"].building == "lab"
    assert "lab_hall" not in layout.venues


def test_null_deletes_a_key_and_settings_merge_key_by_key(folder: Path) -> None:
    _write(
        folder,
        "mid.yaml",
        """
        extends: tiny.yaml
        name: mid
        model: {greet_radius_m: 15, venue_m2_per_person: 3}
        agents:
          student: {coffee_rate: 1.2}
        """,
    )
    path = _write(
        folder,
        "v.yaml",
        """
        extends: mid.yaml
        name: v
        model: {greet_radius_m: 12}
        agents:
          researcher: {coffee_rate: 0.5}
        modify:
          edges:
            v01: {frontage: ~}
        """,
    )
    layout = load_layout(path)
    assert layout.edges["v01"].frontage == 0  # back to the default
    assert layout.params.model.greet_radius_m == 12
    assert layout.params.model.venue_m2_per_person == 3
    assert layout.params.agents["student"].coffee_rate == 1.2
    assert layout.params.agents["researcher"].coffee_rate == 0.5


def test_remove_then_add_replaces_an_item(folder: Path) -> None:
    path = _write(
        folder,
        "v.yaml",
        """
        extends: tiny.yaml
        name: v
        remove: {buildings: [annex]}
        add:
          buildings:
            annex: {institution: uni, entrances: [n20], population: {student: 5}}
        """,
    )
    annex = load_layout(path).buildings["annex"]
    assert annex.institutions == ("uni",) and annex.population["student"] == 5
    assert annex.population["clinician"] == 0  # nothing left of the old item


def test_chain_of_three_files(folder: Path) -> None:
    _write(folder, "a.yaml", "extends: tiny.yaml\nname: a\nremove: {edges: [v00]}\n")
    _write(
        folder,
        "b.yaml",
        """
        extends: a.yaml
        name: b
        add:
          edges:
            v00b: {from: n00, to: n10, kind: park_path}
        """,
    )
    sub = folder / "sub"
    sub.mkdir()
    path = _write(
        sub,
        "c.yaml",
        """
        extends: ../b.yaml
        name: c
        modify:
          edges:
            v00b: {frontage: 0.7}
        """,
    )
    layout = load_layout(path)
    assert layout.name == "c"
    assert "v00" not in layout.edges and layout.edges["v00b"].frontage == 0.7
    resolved = resolve_layout(path)
    assert resolved.bases == (str(folder / "b.yaml"),)
    assert [Path(f).name for f in resolved.files] == ["tiny.yaml", "a.yaml", "b.yaml", "c.yaml"]


def test_identical_variant_gives_the_base_layout(folder: Path, base: Layout) -> None:
    path = _write(folder, "same.yaml", "extends: tiny.yaml\nname: same\n")
    layout = load_layout(path)
    assert layout.name == "same"
    assert dataclasses.replace(layout, name=base.name, source_file=base.source_file) == base
    data, _ = load_raw(path)
    base_data, _ = load_raw(TINY)
    assert data == {**base_data, "name": "same"}


def test_list_of_bases_applies_each_files_changes_in_order(folder: Path) -> None:
    _write(
        folder, "a.yaml", "extends: tiny.yaml\nname: a\nmodify: {edges: {h00: {frontage: 0.2}}}\n"
    )
    _write(
        folder,
        "b.yaml",
        """
        extends: tiny.yaml
        name: b
        modify: {edges: {h00: {frontage: 0.6}, h01: {frontage: 0.3}}}
        """,
    )
    path = _write(folder, "both.yaml", "extends: [a.yaml, b.yaml]\nname: both\n")
    layout = load_layout(path)
    assert layout.edges["h00"].frontage == 0.6  # the later file wins
    assert layout.edges["h01"].frontage == 0.3
    _write(folder, "c.yaml", "extends: a.yaml\nname: c\n")
    _write(folder, "bad.yaml", "extends: [b.yaml, c.yaml]\nname: bad\n")
    err = _error(folder / "bad.yaml")
    assert err.line == 1 and err.path == "extends[1]"
    assert "not merged before it" in err.message


def test_variant_with_overrides(folder: Path) -> None:
    path = _write(folder, "v.yaml", "extends: tiny.yaml\nname: v\nmodel: {greet_radius_m: 15}\n")
    layout = load_layout(path, {"model.greet_radius_m": 9, "buildings.lab.population.student": 7})
    assert layout.params.model.greet_radius_m == 9
    assert layout.buildings["lab"].population["student"] == 7


# --- mistakes ---------------------------------------------------------------------------


def test_cycle_names_the_extends_line(folder: Path) -> None:
    a = _write(folder, "a.yaml", "name: a\nextends: b.yaml\n")
    b = _write(folder, "b.yaml", "# b\nextends: a.yaml\nname: b\n")
    err = _error(a)
    assert err.file == str(b) and err.line == 2 and err.path == "extends"
    assert "cycle" in err.message and "a.yaml → " in err.message
    _write(folder, "self.yaml", "extends: self.yaml\nname: s\n")
    assert "cycle" in _error(folder / "self.yaml").message


@pytest.mark.parametrize(
    ("changes", "fragment", "path", "message"),
    [
        (
            "add:\n  edges:\n    h00: {from: n00, to: n01, kind: footpath}\n",
            "h00: {from",
            "add.edges.h00",
            "edge 'h00' already exists",
        ),
        (
            "modify:\n  edges:\n    h000: {frontage: 0.5}\n",
            "h000:",
            "modify.edges.h000",
            "no edge 'h000'; did you mean 'h00'",
        ),
        (
            "remove:\n  buildings: [lab, labb]\n",
            "buildings: [lab",
            "remove.buildings[1]",
            "no building 'labb'",
        ),
        (
            "remove:\n  venues: [lab_cafe]\nmodify:\n  venues:\n    lab_cafe: {capacity: 5}\n",
            "lab_cafe: {capacity",
            "modify.venues.lab_cafe",
            "removed above (line 4)",
        ),
        (
            "add:\n  venues:\n    lab_cafe: {building: lab, kind: cafe}\n",
            "lab_cafe: {building",
            "add.venues.lab_cafe",
            "(in building 'lab')",
        ),
        (
            "add:\n  venues:\n    v9: {building: labx, kind: cafe}\n",
            "v9:",
            "add.venues.v9.building",
            "unknown building 'labx'",
        ),
        ("add:\n  stuff:\n    x: {}\n", "stuff:", "add.stuff", "unknown section 'stuff'"),
        ("nodes:\n  n99: {lat: 55.7, lon: 12.5}\n", "nodes:", "nodes", "under add:, modify:"),
        (
            "modify:\n  buildings:\n    lab: {venues: {lab_cafe: {capacity: 5}}}\n",
            "lab: {venues",
            "modify.buildings.lab.venues",
            "under remove.venues",
        ),
        ("modify:\n  edges:\n    h00: ~\n", "h00: ~", "modify.edges.h00", "list it under remove:"),
    ],
)
def test_mistakes_name_the_variant_line_and_path(
    folder: Path, changes: str, fragment: str, path: str, message: str
) -> None:
    variant = folder / "v.yaml"
    variant.write_text("extends: tiny.yaml\nname: v\n" + changes, encoding="utf-8")
    err = _error(variant)
    assert (err.file, err.line, err.path) == (str(variant), _line_of(variant, fragment), path)
    assert message in err.message


def test_missing_name_and_missing_base(folder: Path) -> None:
    err = _error(_write(folder, "v.yaml", "extends: tiny.yaml\n"))
    assert "missing required key 'name'" in err.message
    err = _error(_write(folder, "w.yaml", "name: w\nextends: nowhere.yaml\n"))
    assert (err.line, err.path) == (2, "extends") and "not found" in err.message


def test_reference_to_a_removed_item_points_at_the_referrer(folder: Path) -> None:
    variant = _write(folder, "v.yaml", "extends: tiny.yaml\nname: v\nremove:\n  nodes: [n11]\n")
    err = _error(variant)
    # The first item still using n11 is edge h10, written in the base file.
    assert err.file == str(folder / "tiny.yaml")
    assert err.line == _line_of(TINY, "h10:") and err.path == "edges.h10.to"
    assert f"{variant}:4 removes (remove.nodes[0])" in err.message


def test_errors_in_changed_values_point_at_the_variant(folder: Path) -> None:
    variant = _write(
        folder,
        "v.yaml",
        """
        extends: tiny.yaml
        name: v
        modify:
          buildings:
            lab:
              population: {student: -5}
        """,
    )
    err = _error(variant)
    assert (err.file, err.path) == (str(variant), "buildings.lab.population.student")
    assert err.line == _line_of(variant, "student: -5")
    # A section-wide rule broken by a change is reported at the change.
    _write(
        folder,
        "g.yaml",
        "extends: tiny.yaml\nname: g\nmodify:\n  gateways:\n    bus: {share: 0.5}\n",
    )
    err = _error(folder / "g.yaml")
    assert (err.file, err.line, err.path) == (str(folder / "g.yaml"), 4, "gateways")


# --- show -------------------------------------------------------------------------------


def test_diff_lists_changes_per_section(folder: Path) -> None:
    path = _write(
        folder,
        "v.yaml",
        """
        extends: tiny.yaml
        name: v
        remove: {venues: [lab_hall]}
        modify:
          edges: {h00: {kind: footpath, frontage: 0.5}}
          buildings: {hub: {population: {startup: 60}}}
        add:
          venues:
            hub_cafe:
              {building: hub, kind: cafe, capacity: 20, hours: "08:00-16:00", access: public}
        """,
    )
    resolved = resolve_layout(path)
    diff = diff_raw(resolved.base_data, resolved.data)
    assert diff.section("edges").modified == {
        "h00": (KeyChange("kind", "street", "footpath"), KeyChange("frontage", UNSET, 0.5))
    }
    assert list(diff.section("venues").added) == ["hub_cafe"]
    assert list(diff.section("venues").removed) == ["lab_hall"]
    assert not diff.section("nodes")
    assert diff.population["startup"] == (40, 60)
    assert KeyChange("name", "tiny", "v") in diff.settings


def test_show_prints_the_changes_against_the_base(folder: Path, capsys) -> None:
    path = _write(
        folder,
        "v.yaml",
        """
        extends: tiny.yaml
        name: v
        modify:
          edges: {h00: {kind: footpath}}
          buildings: {lab: {population: {student: 100}}}
        add:
          nodes: {n99: {lat: 55.7005, lon: 12.5625}}
          edges: {x1: {from: n01, to: n99, kind: footpath}}
        """,
    )
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"against tiny ({folder / 'tiny.yaml'})"
    assert "  ~ h00: kind street → footpath" in out
    assert "  + x1: from n01, to n99, kind footpath" in out
    assert "  ~ lab: population.student 60 → 100" in out
    assert "people: 200 → 240 (+40)" in out
    assert "  student: 60 → 100 (+40)" in out
    assert main(["show", str(TINY)]) == 2
    assert "not a variant" in capsys.readouterr().err


# --- the vision scenarios ---------------------------------------------------------------


def test_vision_scenarios_exist() -> None:
    names = {p.stem for p in VISION}
    assert {"phases_1_2", "ole_maaloes_vej", "car_free_universitetsparken"} <= names
    assert len(names) == 7


@pytest.mark.parametrize("path", VISION, ids=[p.stem for p in VISION])
def test_vision_scenario_passes_check(path: Path, capsys) -> None:
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    text = path.read_text("utf-8")
    assert text.startswith("#"), "each scenario starts with a comment on what it models"
    layout = load_layout(path)
    assert layout.name.startswith("vision_")
    # Plausible size: the district is about 40,000 people today.
    assert 40_000 <= sum(layout.total_population().values()) <= 50_000


def test_phases_1_2_adds_up_the_moves() -> None:
    baseline = sum(load_layout(ROOT / "scenarios" / "baseline.yaml").total_population().values())
    moves = [p for p in VISION if p.stem != "phases_1_2"]
    added = sum(sum(load_layout(p).total_population().values()) - baseline for p in moves)
    combined = load_layout(ROOT / "scenarios" / "vision" / "phases_1_2.yaml")
    assert sum(combined.total_population().values()) == baseline + added
    assert combined.edges["up_01"].kind == "park_path"
    assert "omv_innovation" in combined.buildings and "trekantsgrunden" in combined.buildings
