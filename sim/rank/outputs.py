"""What a ranking writes: ranking.csv, candidates.geojson, variants/, bundle.csv, report.md.

Tables hold plain numbers (six significant digits, empty where undefined). Each top-K
candidate is copied to ``variants/<id>.yaml`` byte for byte from the file its runs
used, so ``compare`` on the base and that file with the same seeds repeats exactly the
runs the ranking made and reproduces its number and interval.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sim.compare.stats import Difference
from sim.metrics import Row, rnd
from sim.outputs.tables import write_csv
from sim.rank.ranking import Entry, Ranking
from sim.rank.runs import CANDIDATES, FIGURE, RankRuns
from sim.runs.store import write_atomic

DIGITS = 6
VARIANTS = "variants"
RANKING_COLUMNS: tuple[str, ...] = (
    "rank", "id", "kind", "description", "effect_per_person_day", "ci_low", "ci_high",
    "effect_pct", "ci_low_pct", "ci_high_pct", "seeds", "scale", "status", "round_eliminated",
    "prescore", "variant",
)  # fmt: skip


def _num(value: float | None, scale: float = 1.0) -> float | None:
    return None if value is None else rnd(value * scale, DIGITS)


def effect_cells(d: Difference) -> dict[str, Any]:
    """CSV cells of an effect: per person-day and in % with their 95 % intervals."""
    return {
        "effect_per_person_day": _num(d.mean),
        "ci_low": _num(d.low),
        "ci_high": _num(d.high),
        "effect_pct": _num(d.relative, 100.0),
        "ci_low_pct": _num(d.relative_low, 100.0),
        "ci_high_pct": _num(d.relative_high, 100.0),
    }


def ranking_rows(ranking: Ranking) -> list[Row]:
    """One row per candidate, best first (columns :data:`RANKING_COLUMNS`)."""
    rows = []
    for e in ranking.entries:
        c = e.candidate
        rows.append({
            "rank": e.rank,
            "id": c.id,
            "kind": c.kind,
            "description": c.description,
            **effect_cells(e.difference),
            "seeds": e.seeds,
            "scale": e.scale,
            "status": e.status,
            "round_eliminated": e.out_round,
            "prescore": _num(c.prescore),
            "variant": f"{VARIANTS}/{c.id}.yaml" if e.status == "top" else "",
        })  # fmt: skip
    return rows


def bundle_rows(ranking: Ranking) -> list[Row]:
    """One row per greedy step: what was added and the whole bundle's effect."""
    return [
        {
            "step": s.step,
            "added": s.added.id,
            "members": " + ".join(s.bundle.members or (s.added.id,)),
            **effect_cells(s.difference),
            "seeds": ranking.settings.final_seeds,
            "tried": s.tried,
            "variant": f"{VARIANTS}/{s.bundle.id}.yaml",
        }
        for s in ranking.bundle
    ]


def feature(e: Entry) -> dict[str, Any]:
    """A candidate as a GeoJSON feature with its rank and effect."""
    c = e.candidate
    return {
        "type": "Feature",
        "geometry": c.geometry,
        "properties": {
            "rank": e.rank,
            "id": c.id,
            "kind": c.kind,
            "description": c.description,
            **effect_cells(e.difference),
            "seeds": e.seeds,
            "status": e.status,
            "round_eliminated": e.out_round,
        },
    }


def write_geojson(ranking: Ranking, path: Path) -> Path:
    """``candidates.geojson``: every candidate's geometry with rank and effect (WGS84)."""
    collection = {
        "type": "FeatureCollection",
        "name": "rank_candidates",
        "figure": FIGURE,
        "features": [feature(e) for e in ranking.entries],
    }
    write_atomic(path, json.dumps(collection, ensure_ascii=False, indent=1) + "\n")
    return path


def write_variants(ranking: Ranking, runs: RankRuns) -> list[Path]:
    """Copy each top-K candidate's (and each bundle's) variant file to ``variants/``."""
    folder = runs.store.folder
    target = folder / VARIANTS
    tmp = folder / f".{VARIANTS}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    ids = [e.candidate.id for e in ranking.top()] + [s.bundle.id for s in ranking.bundle[1:]]
    for i in dict.fromkeys(ids):
        shutil.copyfile(folder / CANDIDATES / f"{i}.yaml", tmp / f"{i}.yaml")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return sorted(target.glob("*.yaml"))


def write_tables(ranking: Ranking, folder: Path) -> list[Path]:
    """``ranking.csv`` and, with a bundle, ``bundle.csv``."""
    paths = [write_csv(ranking_rows(ranking), folder / "ranking.csv", list(RANKING_COLUMNS))]
    if ranking.bundle:
        paths.append(write_csv(bundle_rows(ranking), folder / "bundle.csv"))
    return paths
