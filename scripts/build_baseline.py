"""Build ``scenarios/baseline.yaml``: today's Innovation District Copenhagen, schematically.

This script is provenance, not part of the simulator: it holds the hand-picked node
coordinates (with where each came from), the street chains, buildings, venues, spaces and
gateways, derives the populations from the published figures, and writes the YAML. The
derivations and sources are explained in ``docs/baseline.md``.

Coordinates are WGS84. Sources, as tagged on each node:

- ``osm``: read off the OpenStreetMap extract (``../shared/data/osm``; the main export is
  complete only east of lon ≈ 12.561) or its cycle-infrastructure supplement (the west
  strip). Data © OpenStreetMap contributors, ODbL.
- ``brief``: an anchor coordinate from ``../shared/brief/district.md``.
- ``wiki``: a coordinate published on Wikipedia (Zoological Museum).
- ``sch``: schematic — placed by hand between the anchors where the OSM extract has no data
  (campus interior west of lon 12.561, Rådmandsgade, Sigurdsgade). An assumption.

Usage::

    python scripts/build_baseline.py            # writes scenarios/baseline.yaml
    python scripts/build_baseline.py --osm-check  # also: distance of 'osm' nodes to OSM lines
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
from pathlib import Path

from baseline_footprints import FOOTPRINTS, build_footprints

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "scenarios" / "baseline.yaml"
# The shared OSM extract, next to the repository (../shared/data/osm); never copied in.
OSM_DIR = ROOT.parent / "shared" / "data" / "osm"

# --------------------------------------------------------------------------------------
# Nodes: id -> (lat, lon, source, note)
# --------------------------------------------------------------------------------------
NODES: dict[str, tuple[float, float, str, str]] = {}


def node(nid: str, lat: float, lon: float, src: str, note: str = "") -> None:
    assert nid not in NODES, nid
    NODES[nid] = (lat, lon, src, note)


# Nørre Allé, south to north (OSM ways 165278578, 745633511, 359163722, 419985022, ...)
node("sankt_hans_torv", 55.69087, 12.56113, "osm", "Nørre Allé x Blegdamsvej at Sankt Hans Torv")
node("na_gamles_by", 55.69247, 12.56105, "osm", "side lane to De Gamles By (way 797134489)")
node("na_campuspark", 55.69337, 12.56115, "osm", "campus-park path and Nørre Sideallé")
node("na_panum", 55.69444, 12.56128, "osm", "opposite Panum west entrance")
node("na_fbp_s", 55.69582, 12.56144, "osm", "Fredrik Bajers Plads, south side")
node("fbp_junction", 55.69640, 12.56148, "osm", "Tagensvej x Nørre Allé, Fredrik Bajers Plads")
node("na_kub", 55.69720, 12.56165, "brief", "bus stop Nørre Campus")
node("na_jmv", 55.69755, 12.56175, "osm", "Juliane Maries Vej junction")
node("na_idraet", 55.69810, 12.56185, "osm", "Nørre Allé 51")
node("na_edel", 55.69851, 12.56200, "osm", "Edel Sauntes Allé junction")
node("na_hco", 55.69998, 12.56200, "osm", "campus path to HCØ (way 26751559)")
node("na_up_bus", 55.70030, 12.56205, "brief", "bus stop Universitetsparken")
node("na_ups", 55.70155, 12.56215, "osm", "Universitetsparken campus road junction")
node("na_up", 55.70250, 12.56230, "osm", "Universitetsparken road junction")
node("na_pharm", 55.70409, 12.56240, "osm", "north-campus road junction (way 26751443)")
node("na_egmont", 55.70540, 12.56265, "osm", "by Egmont H. Petersens Kollegium")
node("vibenshus", 55.70630, 12.56280, "osm", "Vibenshus Runddel")

# Blegdamsvej, south-west to north-east (OSM ways 161663922, 1067190730, 1067190731)
node("bd_maersk", 55.69215, 12.56349, "osm", "Maersk Tower forecourt / campus-park path")
node("bd_panum", 55.69242, 12.56399, "osm", "path into Panum")
node("bd_rigs_syd", 55.69323, 12.56552, "osm", "Blegdamsvej at Rigshospitalet Syd stops")
node("bd_tagensvej", 55.69365, 12.56630, "osm", "Blegdamsvej x Tagensvej x Fredensgade")
node("bd_jmv", 55.69425, 12.56750, "osm", "Juliane Maries Vej junction")
node("bd_rh_main", 55.69533, 12.56941, "osm", "stop 'Rigshospitalet Hovedindgang'")
node("bd_fvv", 55.69605, 12.57080, "osm", "Frederik V's Vej junction")
node("bd_nbi", 55.69650, 12.57165, "osm", "Blegdamsvej 17 (Niels Bohr Institute)")
node("bd_irm", 55.69740, 12.57330, "osm", "Irmingersgade stop")
node("trianglen", 55.69905, 12.57630, "osm", "Trianglen")

# Tagensvej, south-east to north-west (OSM way 27201302; supplement 359205984, 162813991 ...)
node("tg_rh_s", 55.69424, 12.56509, "osm", "")
node("tg_panum_n", 55.69568, 12.56304, "osm", "opposite Panum north entrance")
node("tg_kub", 55.69693, 12.55995, "osm", "by KUB Nord")
node("tg_t22", 55.69721, 12.55910, "osm", "Tagensvej 22 (position along Tagensvej assumed)")
node("tg_omv", 55.69766, 12.55782, "osm", "Ole Maaløes Vej junction (position assumed)")
node("tg_nbb", 55.69850, 12.55565, "osm", "by Niels Bohr Building (east part)")
node("tg_jagtvej", 55.69913, 12.55444, "osm", "Tagensvej x Jagtvej")
node("tg_nbbw", 55.69990, 12.55335, "osm", "behind Niels Bohr Building (west part)")
node("tg_sifs", 55.70125, 12.55136, "osm", "")
node("skjolds_plads", 55.70311, 12.54810, "osm", "Tagensvej x Haraldsgade at Skjolds Plads")

# Jagtvej, south-west to north-east (supplement 24815314, 498621920; OSM 237236398, 741047140)
node("norrebros_runddel", 55.69434, 12.54880, "osm", "Nørrebros Runddel")
node("jg_01", 55.69560, 12.55031, "osm", "")
node("jg_02", 55.69764, 12.55261, "osm", "")
node("jg_03", 55.69884, 12.55393, "osm", "")
node("jg_nbb", 55.69995, 12.55540, "osm", "Niels Bohr Building passage under Jagtvej")
node("jg_rad", 55.70090, 12.55640, "sch", "Rådmandsgade junction (schematic)")
node("jg_bio", 55.70175, 12.55735, "osm", "by the Biocenter")
node("jg_zoo", 55.70250, 12.55815, "osm", "")
node("jg_up", 55.70315, 12.55890, "osm", "Jagtvej x Universitetsparken x Vermundsgade")
node("jg_06", 55.70450, 12.56047, "osm", "north-campus road (way 26751443)")
node("jg_07", 55.70555, 12.56150, "osm", "")
node("jg_e1", 55.70676, 12.56437, "osm", "")
node("jg_e2", 55.70724, 12.56780, "osm", "")
node("jg_e3", 55.70788, 12.57040, "osm", "")
node("jg_e4", 55.70857, 12.57394, "osm", "")
node("ph_plads", 55.70910, 12.57674, "osm", "Jagtvej x Østerbrogade, Poul Henningsens Plads")

# Lyngbyvej, Fredensgade
node("lv_1", 55.70800, 12.56205, "osm", "Lyngbyvej")
node("fredensgade_stop", 55.69330, 12.56715, "brief", "bus stop Rigshospitalet Syd (Fredensgade)")

# Universitetsparken road (OSM 237236426, 497251025) and campus road (OSM way 4212182)
node("up_zoo", 55.70290, 12.55950, "osm", "by the Zoological Museum")
node("up_akb", 55.70260, 12.56070, "osm", "by the August Krogh Building")
node("es_up", 55.70247, 12.56335, "osm", "Universitetsparken x Edel Sauntes Allé")
node("ups_diku", 55.70150, 12.56115, "osm", "campus road by DIKU")
node("ups_hco", 55.70147, 12.56025, "osm", "campus road by HCØ (UP 5)")
node("ups_w", 55.70168, 12.55914, "osm", "west end of the campus road, at the lawn")

# Ole Maaløes Vej (not in the OSM extract: schematic, from the anchors)
node("omv_cobis", 55.69860, 12.55800, "sch", "COBIS, Ole Maaløes Vej 3")
node("omv_park", 55.69960, 12.55820, "sch", "Ole Maaløes Vej parking lot")
node("omv_bio", 55.70060, 12.55840, "sch", "Biocenter south entrance, Ole Maaløes Vej 5")

# Nørre Campus entrances and paths (mostly schematic; OSM where noted)
node("kub_entr", 55.69707, 12.56083, "osm", "KUB Nord main entrance")
node("cp_kub_n", 55.69785, 12.56010, "osm", "campus path loop north of KUB Nord (way 346091778)")
node("idraet_entr", 55.69815, 12.56120, "sch", "Nørre Allé 51 entrance")
node("t22_entr", 55.69745, 12.55925, "sch", "Tagensvej 22 entrance")
node("t22_n", 55.69805, 12.55925, "sch", "Tagensvej 22 rear, towards COBIS")
node("cobis_e", 55.69895, 12.55895, "sch", "COBIS east door")
node("hco_s", 55.69935, 12.56000, "sch", "HCØ south entrance")
node("hco_path", 55.69997, 12.56074, "osm", "campus path (way 26751559)")
node("hco_e", 55.70060, 12.56027, "osm", "HCØ east entrance (end of way 26751559)")
node("hco_w", 55.70045, 12.55915, "sch", "HCØ west entrance")
node("up_lawn", 55.70200, 12.56000, "brief", "Universitetsparken lawn (centroid est. in brief)")
node("bio_e", 55.70150, 12.55855, "sch", "Biocenter entrance to the park")
node("bio_w", 55.70190, 12.55800, "brief", "Biocenter, geocoded Ole Maaløes Vej 5")
node("zoo_entr", 55.70262, 12.55925, "wiki", "Zoological Museum, Universitetsparken 15")
node("akb_entr", 55.70230, 12.56045, "sch", "August Krogh Building, Universitetsparken 13")
node("diku_s", 55.70157, 12.56113, "osm", "DIKU entrance (OSM entrance node)")
node("diku_n", 55.70209, 12.56104, "osm", "DIKU entrance (OSM entrance node)")
node("nbb_e_jag", 55.70000, 12.55575, "sch", "NBB east, Jagtvej side (Jagtvej 155)")
node("nbb_e_omv", 55.69955, 12.55720, "sch", "NBB east, campus side")
node("nbb_e_s", 55.69885, 12.55610, "sch", "NBB east, Tagensvej side")
node("nbb_w_entr", 55.70020, 12.55450, "brief", "NBB west (Jagtvej 128), at the estimate in brief")
node("nbb_w_back", 55.70000, 12.55400, "sch", "NBB west, rear")
node("fbp_plaza", 55.69598, 12.56059, "osm", "Fredrik Bajers Plads square (park polygon)")
node("fbp_plaza_n", 55.69635, 12.56065, "osm", "square, Tagensvej side")

# North part of Universitetsparken (Pharmacy, Universitetsparken 2)
node("nt_1", 55.70432, 12.56099, "osm", "north-campus road")
node("nt_2", 55.70421, 12.56135, "osm", "north-campus road")
node("pharm_entr", 55.70375, 12.56033, "osm", "end of service way 112488522")

# Panum and Maersk Tower (OSM entrances; supplement paths 749143806, 795657258)
node("panum_w", 55.69444, 12.56209, "osm", "Panum entrance (OSM entrance node)")
node("panum_main", 55.69322, 12.56384, "osm", "Panum entrance (OSM entrance node)")
node("panum_n", 55.69520, 12.56285, "sch", "Panum north entrance, Tagensvej side")
node("pp_1", 55.69290, 12.56365, "osm", "Panum path")
node("pp_2", 55.69350, 12.56330, "osm", "Panum path")
node("pp_3", 55.69402, 12.56259, "osm", "Panum path")
node("maersk_fc", 55.69240, 12.56300, "sch", "Maersk Tower forecourt on Blegdamsvej")
node("maersk_entr", 55.69270, 12.56300, "sch", "Maersk Tower main entrance")
node("maersk_w", 55.69305, 12.56255, "sch", "Maersk Tower west door, to the campus park")
node("cpk_1", 55.69243, 12.56251, "osm", "campus-park path")
node("cpk_2", 55.69285, 12.56254, "osm", "campus-park path, in the park")
node("cpk_3", 55.69331, 12.56176, "osm", "campus-park path")
node("bike_panum", 55.69252, 12.56335, "sch", "Maersk Tower / Panum bike cellar ramp")
node("car_panum", 55.69373, 12.56202, "osm", "Panum car park entrance (OSM parking_entrance)")

# De Gamles By (Nørre Allé 41)
node("dgb_gate", 55.69250, 12.55982, "osm", "end of lane way 797134489")
node("dgb_n", 55.69345, 12.56020, "osm", "Nørre Sideallé (way 48952321)")

# Rigshospitalet street grid (OSM ways 24815667, 24710258, 24630674, 24710259, 3993672)
node("jmv_hhv", 55.69707, 12.56274, "osm", "Juliane Maries Vej x Henrik Harpestrengs Vej")
node("jmv_emv", 55.69647, 12.56369, "osm", "Juliane Maries Vej x Esther Møllers Vej")
node("jmv_ind4", 55.69543, 12.56546, "osm", "Juliane Maries Vej at entrance 4")
node("jmv_ind5", 55.69486, 12.56642, "osm", "Juliane Maries Vej at entrance 5")
node("hhv_1", 55.69762, 12.56378, "osm", "Henrik Harpestrengs Vej")
node("hhv_ilv", 55.69833, 12.56511, "osm", "Henrik Harpestrengs Vej x Inge Lehmanns Vej")
node("hhv_fvv", 55.69885, 12.56607, "osm", "Henrik Harpestrengs Vej x Frederik V's Vej")
node("emv_1", 55.69713, 12.56496, "osm", "Esther Møllers Vej")
node("emv_ilv", 55.69779, 12.56621, "osm", "Esther Møllers Vej x Inge Lehmanns Vej")
node("ilv_ind2", 55.69735, 12.56696, "osm", "Inge Lehmanns Vej at entrance 2")
node("ilv_main", 55.69640, 12.56855, "osm", "Inge Lehmanns Vej")
node("fvv_teilum", 55.69801, 12.56742, "osm", "Frederik V's Vej at the Teilum Building")
node("fvv_2", 55.69774, 12.56787, "osm", "Frederik V's Vej")
node("fvv_3", 55.69694, 12.56924, "osm", "Frederik V's Vej")
node("rh_hoved", 55.69588, 12.56680, "osm", "Rigshospitalet main entrance (OSM 'Hovedindgang')")
node("rh_fc", 55.69560, 12.56810, "sch", "Rigshospitalet forecourt towards Blegdamsvej")
node("rh_ind4", 55.69558, 12.56571, "osm", "Rigshospitalet entrance 4 (OSM)")
node("rh_ind5", 55.69499, 12.56669, "osm", "Rigshospitalet entrance 5 (OSM)")
node("rh_ind2", 55.69704, 12.56645, "osm", "Rigshospitalet entrance 2 (OSM)")
node("rh_nw_e", 55.69720, 12.56760, "sch", "North Wing east door")
node("teilum_entr", 55.69815, 12.56650, "sch", "Teilum Building entrance")
node("rhw_entr", 55.69750, 12.56330, "sch", "west block entrance (Henrik Harpestrengs Vej)")
node("rhw_hotel", 55.69680, 12.56345, "osm", "Patienthotellet (OSM building, at its door)")
node("rh_tag", 55.69600, 12.56340, "sch", "Tagensvej north-east pavement at Panum crossing")
node("car_rh", 55.69899, 12.56514, "osm", "Rigshospitalet multi-storey car park (OSM)")
node("nbi_entr", 55.69679, 12.57142, "osm", "Niels Bohr Institute, Blegdamsvej 17 (OSM entrance)")

# Edel Sauntes Allé through Fælledparken (OSM ways 24630673, 934286731)
node("es_1", 55.69892, 12.56303, "osm", "Edel Sauntes Allé")
node("es_fvv", 55.69975, 12.56460, "osm", "Edel Sauntes Allé x Frederik V's Vej")
node("es_2", 55.70090, 12.56480, "osm", "Edel Sauntes Allé in Fælledparken")
node("es_3", 55.70204, 12.56366, "osm", "Edel Sauntes Allé")

# Haraldsgade quarter (supplement 237099582, 1718726, 24844949; Rådmandsgade, Sigurdsgade
# schematic)
node("hg_metro", 55.70390, 12.54945, "osm", "Haraldsgade at Skjolds Plads station")
node("hg_2", 55.70469, 12.55086, "osm", "Haraldsgade")
node("hg_rad", 55.70590, 12.55303, "osm", "Haraldsgade x Rådmandsgade (junction schematic)")
node("hg_3", 55.70669, 12.55444, "osm", "Haraldsgade")
node("hg_verm", 55.70782, 12.55647, "osm", "Haraldsgade x Vermundsgade")
node("hg_4", 55.70893, 12.55849, "osm", "Haraldsgade")
node("hg_lyng", 55.70993, 12.56091, "osm", "Haraldsgade x Lyngbyvej; bus stop Haraldsgade")
node("vg_0", 55.70353, 12.55809, "osm", "Vermundsgade")
node("vg_1", 55.70445, 12.55788, "osm", "Vermundsgade")
node("vg_sig", 55.70540, 12.55757, "osm", "Vermundsgade x Sigurdsgade (junction schematic)")
node("vg_2", 55.70651, 12.55723, "osm", "Vermundsgade")
node("sg_1", 55.70360, 12.55080, "sch", "Sigurdsgade")
node("sg_rad", 55.70440, 12.55420, "sch", "Sigurdsgade x Rådmandsgade")
node("sg_kp", 55.70500, 12.55640, "sch", "Sigurdsgade at KP Campus Nørrebro")
node("rg_1", 55.70270, 12.55540, "sch", "Rådmandsgade")
node("kp_entr", 55.70480, 12.55655, "sch", "KP Campus Nørrebro main entrance (Sigurdsgade)")
node("hqs_entr", 55.70265, 12.55590, "sch", "business block, Rådmandsgade")
node("hqn_entr", 55.70640, 12.55420, "sch", "business block, Haraldsgade")

# Gateways' own nodes (stations from the brief; bike parking schematic)
node("metro_nrr", 55.69380, 12.54890, "brief", "Metro Nørrebros Runddel")
node("metro_skj", 55.70340, 12.54870, "brief", "Metro Skjolds Plads")
node("metro_vib", 55.70640, 12.56460, "brief", "Metro Vibenshus Runddel")
node("metro_php", 55.70950, 12.57620, "brief", "Metro Poul Henningsens Plads")
node("metro_tri", 55.69920, 12.57570, "brief", "Metro Trianglen")
node("bike_hco", 55.70080, 12.56120, "sch", "bike parking HCØ east")
node("bike_nbb", 55.69930, 12.55560, "sch", "bike parking Niels Bohr Building")

# --------------------------------------------------------------------------------------
# Edges
# --------------------------------------------------------------------------------------
# A chain: (id prefix, name, kind, traffic, frontage per segment or one value, nodes)
CHAINS: list[tuple[str, str, str, str, float | list[float], list[str]]] = [
    # Frontage: share of the segment with active ground floors (shops, cafés) read off the
    # OSM shop/café points; campus and hospital edges are walls and lawns (0-0.1).
    ("na", "Nørre Allé", "street", "high",
     [0.2, 0.2, 0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05,
      0.1, 0.2],
     ["sankt_hans_torv", "na_gamles_by", "na_campuspark", "na_panum", "na_fbp_s",
      "fbp_junction", "na_kub", "na_jmv", "na_idraet", "na_edel", "na_hco", "na_up_bus",
      "na_ups", "na_up", "na_pharm", "na_egmont", "vibenshus"]),
    ("bd", "Blegdamsvej", "street", "high",
     [0.35, 0.3, 0.35, 0.3, 0.3, 0.3, 0.35, 0.3, 0.25, 0.3],
     ["sankt_hans_torv", "bd_maersk", "bd_panum", "bd_rigs_syd", "bd_tagensvej", "bd_jmv",
      "bd_rh_main", "bd_fvv", "bd_nbi", "bd_irm", "trianglen"]),
    ("tg", "Tagensvej", "street", "high",
     [0.1, 0.05, 0.05, 0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.25, 0.3],
     ["bd_tagensvej", "tg_rh_s", "tg_panum_n", "fbp_junction", "tg_kub", "tg_t22", "tg_omv",
      "tg_nbb", "tg_jagtvej", "tg_nbbw", "tg_sifs", "skjolds_plads"]),
    ("jg", "Jagtvej", "street", "high",
     [0.45, 0.4, 0.35, 0.3, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.45, 0.3,
      0.25, 0.3],
     ["norrebros_runddel", "jg_01", "jg_02", "jg_03", "tg_jagtvej", "jg_nbb", "jg_rad",
      "jg_bio", "jg_zoo", "jg_up", "jg_06", "jg_07", "vibenshus", "jg_e1", "jg_e2", "jg_e3",
      "jg_e4", "ph_plads"]),
    ("lv", "Lyngbyvej", "street", "high", 0.1, ["vibenshus", "lv_1", "hg_lyng"]),
    ("fg", "Fredensgade", "street", "high", 0.3, ["bd_tagensvej", "fredensgade_stop"]),
    ("up", "Universitetsparken", "street", "low", 0.0,
     ["jg_up", "up_zoo", "up_akb", "na_up", "es_up"]),
    ("ups", "Universitetsparken (campus road)", "street", "low", 0.1,
     ["na_ups", "ups_diku", "ups_hco", "ups_w"]),
    ("omv", "Ole Maaløes Vej", "street", "low", [0.1, 0.2, 0.1],
     ["tg_omv", "omv_cobis", "omv_park", "omv_bio"]),
    ("nt", "Universitetsparken (north campus road)", "street", "low", 0.05,
     ["jg_06", "nt_1", "nt_2", "na_pharm"]),
    ("es", "Edel Sauntes Allé", "street", "low", 0.0,
     ["na_edel", "es_1", "es_fvv", "es_2", "es_3", "es_up"]),
    ("jmv", "Juliane Maries Vej", "street", "low", 0.05,
     ["na_jmv", "jmv_hhv", "jmv_emv", "jmv_ind4", "jmv_ind5", "bd_jmv"]),
    ("hhv", "Henrik Harpestrengs Vej", "street", "low", 0.05,
     ["jmv_hhv", "hhv_1", "hhv_ilv", "hhv_fvv"]),
    ("emv", "Esther Møllers Vej", "street", "low", 0.05, ["jmv_emv", "emv_1", "emv_ilv"]),
    ("ilv", "Inge Lehmanns Vej", "street", "low", [0.05, 0.1, 0.1, 0.05],
     ["hhv_ilv", "emv_ilv", "ilv_ind2", "ilv_main", "bd_rh_main"]),
    ("fvv", "Frederik V's Vej", "street", "low", 0.05,
     ["es_fvv", "hhv_fvv", "fvv_teilum", "fvv_2", "fvv_3", "bd_fvv"]),
    ("hg", "Haraldsgade", "street", "high", [0.2, 0.2, 0.2, 0.25, 0.25, 0.2, 0.15],
     ["skjolds_plads", "hg_metro", "hg_2", "hg_rad", "hg_3", "hg_verm", "hg_4", "hg_lyng"]),
    ("vg", "Vermundsgade", "street", "high", 0.15,
     ["jg_up", "vg_0", "vg_1", "vg_sig", "vg_2", "hg_verm"]),
    ("sg", "Sigurdsgade", "street", "low", [0.1, 0.15, 0.2, 0.15],
     ["skjolds_plads", "sg_1", "sg_rad", "sg_kp", "vg_sig"]),
    ("rg", "Rådmandsgade", "street", "low", [0.15, 0.15, 0.15],
     ["jg_rad", "rg_1", "sg_rad", "hg_rad"]),
    ("nal", "Nørre Allé (lane to De Gamles By)", "street", "low", 0.0,
     ["na_gamles_by", "dgb_gate"]),
    ("nsa", "Nørre Sideallé", "street", "low", 0.0, ["na_campuspark", "dgb_n"]),
    # Park paths
    ("cpk", "Maersk Tower campus park path", "park_path", "none", 0.0,
     ["bd_maersk", "cpk_1", "cpk_2", "cpk_3", "na_campuspark"]),
    ("fbp", "Fredrik Bajers Plads path", "park_path", "none", 0.0,
     ["na_fbp_s", "fbp_plaza", "fbp_plaza_n", "fbp_junction"]),
    # Footpaths
    ("pp", "Panum path", "footpath", "none", 0.05, ["bd_panum", "pp_1", "pp_2", "pp_3",
                                                      "panum_w", "na_panum"]),
    ("hcp", "HCØ path", "footpath", "none", 0.0, ["na_hco", "hco_path", "hco_e"]),
    ("csp", "Nørre Campus path", "footpath", "none", [0.1, 0.0, 0.05, 0.05],
     ["kub_entr", "cp_kub_n", "hco_s", "cobis_e", "omv_cobis"]),
]

# Single edges: (id, from, to, kind, traffic, frontage, name)
EDGES: list[tuple[str, str, str, str, str, float, str]] = [
    # Nørre Campus
    ("kub_na", "kub_entr", "na_kub", "footpath", "none", 0.1, "KUB Nord forecourt"),
    ("kub_tg", "kub_entr", "tg_kub", "footpath", "none", 0.05, "KUB Nord, Tagensvej side"),
    ("kub_idraet", "cp_kub_n", "idraet_entr", "footpath", "none", 0.0, "Nørre Campus path"),
    ("idraet_na", "idraet_entr", "na_idraet", "footpath", "none", 0.0, "Nørre Allé 51"),
    ("kub_t22", "cp_kub_n", "t22_n", "footpath", "none", 0.0, "Nørre Campus path"),
    ("t22_tg", "t22_entr", "tg_t22", "footpath", "none", 0.05, "Tagensvej 22"),
    ("t22_back", "t22_entr", "t22_n", "footpath", "none", 0.0, "Tagensvej 22 yard"),
    ("t22_cobis", "t22_n", "omv_cobis", "footpath", "none", 0.05, "Tagensvej 22 to COBIS"),
    ("hco_s_path", "hco_s", "hco_path", "footpath", "none", 0.0, "HCØ courtyard path"),
    ("hco_s_w", "hco_s", "hco_w", "footpath", "none", 0.0, "HCØ west path"),
    ("hco_w_omv", "hco_w", "omv_park", "footpath", "none", 0.0, "campus path"),
    ("hco_w_ups", "hco_w", "ups_w", "footpath", "none", 0.0, "HCØ west path"),
    ("hco_e_bike", "hco_e", "bike_hco", "footpath", "none", 0.0, "HCØ bike parking"),
    ("bike_hco_na", "bike_hco", "na_up_bus", "footpath", "none", 0.0, "HCØ bike parking"),
    ("lawn_ups", "up_lawn", "ups_w", "park_path", "none", 0.0, "Universitetsparken lawn"),
    ("lawn_bio", "up_lawn", "bio_e", "park_path", "none", 0.1, "Universitetsparken lawn"),
    ("lawn_zoo", "up_lawn", "zoo_entr", "park_path", "none", 0.0, "Universitetsparken lawn"),
    ("lawn_akb", "up_lawn", "akb_entr", "park_path", "none", 0.0, "Universitetsparken lawn"),
    ("bio_e_omv", "bio_e", "omv_bio", "footpath", "none", 0.0, "Biocenter path"),
    ("bio_w_jg", "bio_w", "jg_bio", "footpath", "none", 0.0, "Biocenter, Jagtvej side"),
    ("bio_w_omv", "bio_w", "omv_bio", "footpath", "none", 0.0, "Biocenter west path"),
    ("zoo_up", "zoo_entr", "up_zoo", "footpath", "none", 0.05, "Zoological Museum forecourt"),
    ("akb_up", "akb_entr", "up_akb", "footpath", "none", 0.0, "August Krogh Building"),
    ("akb_diku", "akb_entr", "diku_n", "footpath", "none", 0.0, "campus path"),
    ("diku_n_na", "diku_n", "na_up", "footpath", "none", 0.0, "campus path"),
    ("diku_s_ups", "diku_s", "ups_diku", "footpath", "none", 0.0, "DIKU"),
    ("nbb_jag", "nbb_e_jag", "jg_nbb", "footpath", "none", 0.1, "Niels Bohr Building"),
    ("nbb_passage", "nbb_w_entr", "nbb_e_jag", "crossing", "none", 0.2,
     "Niels Bohr Building passage under Jagtvej"),
    ("nbbw_jag", "nbb_w_entr", "jg_nbb", "footpath", "none", 0.1, "Niels Bohr Building west"),
    ("nbbw_back", "nbb_w_back", "tg_nbbw", "footpath", "none", 0.0, "Niels Bohr Building west"),
    ("nbbw_inner", "nbb_w_back", "nbb_w_entr", "footpath", "none", 0.0,
     "Niels Bohr Building west"),
    ("nbb_omv", "nbb_e_omv", "omv_park", "footpath", "none", 0.05, "Niels Bohr Building east"),
    ("nbb_s_tg", "nbb_e_s", "tg_nbb", "footpath", "none", 0.05, "Niels Bohr Building east"),
    ("nbb_e_inner", "nbb_e_s", "nbb_e_omv", "footpath", "none", 0.0, "NBB east, garden side"),
    ("nbb_bike_s", "bike_nbb", "nbb_e_s", "footpath", "none", 0.0, "NBB bike parking"),
    ("nbb_bike_tg", "bike_nbb", "tg_jagtvej", "footpath", "none", 0.0, "NBB bike parking"),
    ("fbp_cross", "kub_entr", "fbp_plaza_n", "crossing", "none", 0.0,
     "Tagensvej crossing at Fredrik Bajers Plads"),
    ("pharm_nt", "pharm_entr", "nt_1", "footpath", "none", 0.0, "Pharmacy forecourt"),
    ("pharm_up", "pharm_entr", "up_akb", "footpath", "none", 0.0, "north-south campus path"),
    # Panum and Maersk Tower
    ("panum_main_pp", "panum_main", "pp_1", "footpath", "none", 0.1, "Panum forecourt"),
    ("panum_n_tg", "panum_n", "tg_panum_n", "footpath", "none", 0.0, "Panum, Tagensvej side"),
    ("panum_n_pp", "panum_n", "pp_3", "footpath", "none", 0.0, "Panum path"),
    ("panum_cross", "panum_n", "rh_tag", "crossing", "none", 0.0,
     "Tagensvej crossing Panum-Rigshospitalet"),
    ("rh_tag_jmv", "rh_tag", "jmv_emv", "footpath", "none", 0.0, "Rigshospitalet path"),
    ("maersk_fc_bd", "maersk_fc", "bd_maersk", "footpath", "none", 0.2, "Maersk Tower forecourt"),
    ("maersk_fc_e", "maersk_fc", "maersk_entr", "footpath", "none", 0.2,
     "Maersk Tower forecourt"),
    ("maersk_fc_park", "maersk_fc", "cpk_1", "park_path", "none", 0.0, "Maersk Tower campus park"),
    ("maersk_pp", "maersk_entr", "pp_1", "footpath", "none", 0.1, "Maersk Tower to Panum"),
    ("maersk_w_park", "maersk_w", "cpk_2", "park_path", "none", 0.0, "Maersk Tower campus park"),
    ("maersk_w_pp", "maersk_w", "pp_2", "footpath", "none", 0.0, "Maersk Tower to Panum"),
    ("bike_panum_fc", "bike_panum", "maersk_fc", "footpath", "none", 0.0, "bike cellar ramp"),
    ("car_panum_w", "car_panum", "panum_w", "footpath", "none", 0.0, "from Panum car park"),
    # De Gamles By
    ("dgb_inner", "dgb_gate", "dgb_n", "footpath", "none", 0.0, "De Gamles By garden path"),
    # Rigshospitalet
    ("rh_fc_bd", "rh_fc", "bd_rh_main", "footpath", "none", 0.1, "Rigshospitalet forecourt"),
    ("rh_fc_main", "rh_fc", "rh_hoved", "footpath", "none", 0.1, "Rigshospitalet forecourt"),
    ("rh_main_ilv", "rh_hoved", "ilv_main", "footpath", "none", 0.05, "Rigshospitalet"),
    ("rh_ind4_jmv", "rh_ind4", "jmv_ind4", "footpath", "none", 0.05, "entrance 4"),
    ("rh_ind5_jmv", "rh_ind5", "jmv_ind5", "footpath", "none", 0.05, "entrance 5"),
    ("rh_ind2_ilv", "rh_ind2", "ilv_ind2", "footpath", "none", 0.1, "entrance 2"),
    ("rh_ind2_emv", "rh_ind2", "emv_1", "footpath", "none", 0.0, "entrance 2"),
    ("rh_nw_ilv", "rh_nw_e", "ilv_ind2", "footpath", "none", 0.0, "North Wing"),
    ("rh_nw_fvv", "rh_nw_e", "fvv_2", "footpath", "none", 0.0, "North Wing"),
    ("teilum_fvv", "teilum_entr", "fvv_teilum", "footpath", "none", 0.0, "Teilum Building"),
    ("teilum_hhv", "teilum_entr", "hhv_ilv", "footpath", "none", 0.0, "Teilum Building"),
    ("rhw_hhv", "rhw_entr", "hhv_1", "footpath", "none", 0.0, "west block"),
    ("rhw_jmv", "rhw_entr", "jmv_hhv", "footpath", "none", 0.0, "west block"),
    ("rhw_hotel_jmv", "rhw_hotel", "jmv_emv", "footpath", "none", 0.05, "Patienthotellet"),
    ("car_rh_hhv", "car_rh", "hhv_ilv", "footpath", "none", 0.0, "from the car park"),
    ("car_rh_fvv", "car_rh", "hhv_fvv", "footpath", "none", 0.0, "from the car park"),
    ("nbi_bd", "nbi_entr", "bd_nbi", "footpath", "none", 0.1, "Blegdamsvej 17"),
    # Haraldsgade quarter
    ("kp_sg", "kp_entr", "sg_kp", "footpath", "none", 0.2, "KP Campus Nørrebro"),
    ("hqs_rg", "hqs_entr", "rg_1", "footpath", "none", 0.2, "Rådmandsgade"),
    ("hqn_hg", "hqn_entr", "hg_3", "footpath", "none", 0.2, "Haraldsgade"),
    # Station and stop links
    ("metro_nrr_link", "metro_nrr", "norrebros_runddel", "footpath", "none", 0.3,
     "Nørrebros Runddel station"),
    ("metro_skj_tg", "metro_skj", "skjolds_plads", "footpath", "none", 0.2,
     "Skjolds Plads station"),
    ("metro_skj_hg", "metro_skj", "hg_metro", "footpath", "none", 0.2, "Skjolds Plads station"),
    ("metro_vib_link", "metro_vib", "vibenshus", "footpath", "none", 0.2,
     "Vibenshus Runddel station"),
    ("metro_vib_jg", "metro_vib", "jg_e1", "footpath", "none", 0.2, "Vibenshus Runddel station"),
    ("metro_php_link", "metro_php", "ph_plads", "footpath", "none", 0.3,
     "Poul Henningsens Plads station"),
    ("metro_tri_link", "metro_tri", "trianglen", "footpath", "none", 0.3, "Trianglen station"),
]

# --------------------------------------------------------------------------------------
# Institutions, populations, buildings, venues
# --------------------------------------------------------------------------------------
INSTITUTIONS = {
    "ku_science": ("University of Copenhagen, Faculty of Science", "university"),
    "ku_health": ("University of Copenhagen, Faculty of Health and Medical Sciences",
                  "university"),
    "rigshospitalet": ("Rigshospitalet (Copenhagen University Hospital)", "hospital"),
    "bii": ("BioInnovation Institute", "company"),
    "cobis_companies": ("COBIS (Symbion) start-up and life-science companies", "company"),
    "tagensvej22": ("Tagensvej 22 start-up community (Symbion/COBIS)", "company"),
    "kp": ("University College Copenhagen (KP), Campus Nørrebro", "university"),
    "haraldsgade_business": ("Haraldsgade quarter small businesses and start-ups", "company"),
    "de_gamles_by": ("De Gamles By care centre (City of Copenhagen)", "public"),
}

# Published totals (district.md) and the in-district shares assumed here.
KU_SCIENCE = {"student": 9500, "researcher": 4500}  # Nørre Campus, acearchive.org
KU_HEALTH_ALL = {"student": 8000, "researcher": 5100}  # all sites, 2021
KU_HEALTH_IN_DISTRICT = {"student": 0.85, "researcher": 0.80}  # assumption
RIGSHOSPITALET_BLEGDAMSVEJ = 9300  # within the brief's 9,000-9,500 estimate
COBIS_COMPANIES, BII_STARTUPS, T22_COMPANIES = 125, 30, 25  # BII: 85 funded in 3 years
PEOPLE_PER_COMPANY = 6  # assumption
BII_STAFF = 50  # assumption
DISTRICT_TOTAL = 40000  # copenhagensciencecity.dk


def ku_health() -> dict[str, int]:
    return {t: round(KU_HEALTH_ALL[t] * KU_HEALTH_IN_DISTRICT[t]) for t in KU_HEALTH_ALL}


# Seats are assumptions (docs/baseline.md, "Venue capacities"): a café venue counts the
# seats of the foyer or atrium around its counter, CAFE_SEATING x the café's own seats; a
# canteen seats its lunch peak, CANTEEN_SEATING x the dining hall first assumed; an
# auditorium venue stands for TEACHING_ROOMS timetabled teaching rooms of its size.
CAFE_SEATING, CANTEEN_SEATING, TEACHING_ROOMS = 3, 2, 3


def v(kind, cap, hours, access, name, area=None, rooms=1):
    d = {"kind": kind, "capacity": cap, "hours": hours, "access": access}
    if rooms != 1:
        d["rooms"] = rooms
    if area is not None:
        d["area"] = area
    d["name"] = name
    return d


def cafe(seats, hours, access, name):
    """A café with the seating around its counter."""
    return v("cafe", CAFE_SEATING * seats, hours, access, name)


def canteen(seats, hours, access, name):
    """A canteen seating its lunch peak."""
    return v("canteen", CANTEEN_SEATING * seats, hours, access, name)


def halls(prefix: str, label: str, sizes: list[int], hours: str = "08:00-17:00",
          rooms: int = TEACHING_ROOMS) -> dict:
    """Lecture halls of one building (members only): one venue per auditorium, which stands
    for ``rooms`` teaching rooms of its size (the auditorium and the building's classrooms,
    pooled)."""
    return {
        f"{prefix}_aud{i}": v("lecture_hall", rooms * cap, hours, "members",
                              f"{label} {i}", rooms=rooms)
        for i, cap in enumerate(sizes, start=1)
    }


# Buildings: id -> dict(name, institution, entrances, population, venues)
# Population splits within an institution are assumptions (roughly by floor area and
# by which departments sit where); the institution totals are derived above.
BUILDINGS: dict[str, dict] = {
    # ---- KU Science (9,500 students, 4,500 staff) ----
    "hco": dict(
        name="HC Ørsted Building (Universitetsparken 5)", institution="ku_science",
        entrances=["ups_hco", "hco_e", "hco_s", "hco_w"],
        population={"researcher": 1200, "student": 3000},
        venues={
            "hco_canteen": canteen(400, "11:00-13:30", "public", "HCØ canteen"),
            "hco_cafe": cafe(60, "08:00-16:00", "public", "HCØ café"),
            **halls("hco", "HCØ auditorium", [250, 200, 150, 150]),
            "hco_meet": v("meeting_room", 40, "08:00-17:00", "members", "HCØ meeting rooms"),
        }),
    "nbb_east": dict(
        name="Niels Bohr Building, east part (Jagtvej 155)", institution="ku_science",
        entrances=["nbb_e_jag", "nbb_e_omv", "nbb_e_s"],
        population={"researcher": 800, "student": 1400},
        venues={
            "nbb_canteen": canteen(350, "11:00-13:30", "public", "NBB canteen"),
            "nbb_cafe": cafe(60, "08:00-17:00", "public", "NBB café"),
            **halls("nbb", "NBB auditorium", [300, 200]),
            "nbb_meet": v("meeting_room", 40, "08:00-17:00", "members", "NBB meeting rooms"),
        }),
    "nbb_west": dict(
        name="Niels Bohr Building, west part (Jagtvej 128)", institution="ku_science",
        entrances=["nbb_w_entr", "nbb_w_back"],
        population={"researcher": 400, "student": 400},
        venues={
            "nbbw_cafe": cafe(40, "08:00-16:00", "public", "NBB west café"),
            **halls("nbbw", "NBB west auditorium", [200]),
        }),
    "biocenter": dict(
        name="Biocenter (Ole Maaløes Vej 5)", institution="ku_science",
        entrances=["omv_bio", "bio_e", "bio_w"],
        population={"researcher": 800, "student": 1200},
        venues={
            "bio_canteen": canteen(250, "11:00-13:30", "public", "Biocenter canteen"),
            **halls("bio", "Biocenter auditorium", [400, 100]),
            "bio_meet": v("meeting_room", 30, "08:00-17:00", "members",
                          "Biocenter meeting rooms"),
        }),
    "diku": dict(
        name="Department of Computer Science, DIKU (Universitetsparken 1)",
        institution="ku_science", entrances=["diku_s", "diku_n"],
        population={"researcher": 250, "student": 1200},
        venues={
            "diku_cafe": cafe(40, "08:00-17:00", "public", "DIKU café"),
            **halls("diku", "DIKU auditorium", [150, 150]),
        }),
    "akb": dict(
        name="August Krogh Building (Universitetsparken 13)", institution="ku_science",
        entrances=["akb_entr"],
        population={"researcher": 350, "student": 900},
        venues={
            "akb_cafe": cafe(40, "08:00-16:00", "public", "August Krogh café"),
            **halls("akb", "August Krogh auditorium", [250]),
        }),
    "zoo_museum": dict(
        name="Natural History Museum of Denmark, Zoological Museum (Universitetsparken 15)",
        institution="ku_science", entrances=["zoo_entr"],
        population={"researcher": 150, "student": 50},
        venues={
            "zoo_cafe": cafe(40, "10:00-17:00", "public", "Museum café"),
        }),
    "idraet": dict(
        name="Department of Nutrition, Exercise and Sports (Nørre Allé 51)",
        institution="ku_science", entrances=["idraet_entr"],
        population={"researcher": 250, "student": 1000},
        venues={
            **halls("idraet", "Nørre Allé 51 auditorium", [150, 100]),
        }),
    "nbi_blegdamsvej": dict(
        name="Niels Bohr Institute (Blegdamsvej 17)", institution="ku_science",
        entrances=["nbi_entr"],
        population={"researcher": 300, "student": 350},
        venues={
            "nbi_canteen": canteen(120, "11:30-13:00", "public", "NBI canteen"),
            **halls("nbi", "NBI auditorium", [150]),
        }),
    "kub_nord": dict(
        name="Faculty Library of Natural and Health Sciences, KUB Nord (Nørre Allé 49)",
        institution=["ku_science", "ku_health"], entrances=["kub_entr"],
        population={"researcher": 0, "student": 0},
        venues={
            "kub_study": v("meeting_room", 120, "08:00-20:00", "public",
                           "KUB Nord study and group rooms"),
            "kub_cafe": cafe(40, "09:00-17:00", "public", "KUB Nord café"),
        }),
    # ---- KU Health (in district: 85 % of students, 80 % of staff) ----
    "panum": dict(
        name="Panum Building (Blegdamsvej 3)", institution="ku_health",
        entrances=["panum_main", "panum_w", "panum_n"],
        population={"researcher": 2300, "student": 5300},
        venues={
            "panum_canteen": canteen(600, "11:00-14:00", "public", "Panum canteen"),
            "panum_canteen2": canteen(250, "11:00-13:30", "public",
                                "Panum second canteen"),
            "panum_cafe": cafe(80, "08:00-16:00", "public", "Panum café"),
            "panum_club": v("cafe", 120, "14:00-22:00", "members",
                            "Panum Instituttet Studenterklub"),
            **halls("panum", "Panum auditorium", [450, 300, 250, 200]),
            "panum_meet": v("meeting_room", 40, "08:00-17:00", "members",
                            "Panum meeting rooms"),
        }),
    "maersk_tower": dict(
        name="Maersk Tower (Panum, Blegdamsvej 3B)", institution="ku_health",
        entrances=["maersk_entr", "maersk_w"],
        population={"researcher": 1200, "student": 700},
        venues={
            "maersk_canteen": canteen(300, "11:00-14:00", "public",
                                "Maersk Tower canteen"),
            "maersk_cafe": cafe(60, "08:00-17:00", "public",
                             "Maersk Tower welcome hall café"),
            **halls("maersk", "Maersk Tower auditorium", [300, 200]),
            "maersk_meet": v("meeting_room", 40, "08:00-17:00", "members",
                             "Maersk Tower meeting rooms"),
        }),
    "pharmacy": dict(
        name="Department of Pharmacy (Universitetsparken 2)", institution="ku_health",
        entrances=["pharm_entr"],
        population={"researcher": 580, "student": 800},
        venues={
            "pharm_canteen": canteen(200, "11:00-13:30", "public", "Pharmacy canteen"),
            **halls("pharm", "Pharmacy auditorium", [200, 100]),
        }),
    # ---- Rigshospitalet (9,300 at Blegdamsvej) ----
    "rh_centre": dict(
        name="Rigshospitalet, central complex (Blegdamsvej 9)", institution="rigshospitalet",
        entrances=["rh_hoved", "rh_ind4", "rh_ind5"],
        population={"clinician": 5000},
        venues={
            "rh_canteen": canteen(500, "11:00-14:00", "members", "Staff canteen"),
            "rh_espresso": cafe(40, "07:00-19:00", "public", "Espresso House"),
            # The hospital's two named auditoria, not a teaching building.
            **halls("rh", "Rigshospitalets Auditorie", [150, 150], "08:00-16:00", rooms=1),
            "rh_meet": v("meeting_room", 40, "08:00-17:00", "members", "Meeting rooms"),
        }),
    "rh_north": dict(
        name="Rigshospitalet, North Wing", institution="rigshospitalet",
        entrances=["rh_ind2", "rh_nw_e"],
        population={"clinician": 1800},
        venues={
            "rh_nordflj": cafe(60, "07:30-18:00", "public", "Cafe Nordfløj"),
            "rhn_meet": v("meeting_room", 30, "08:00-17:00", "members",
                          "North Wing meeting rooms"),
        }),
    "rh_west": dict(
        name="Rigshospitalet, west block (Henrik Harpestrengs Vej, Patienthotellet)",
        institution="rigshospitalet", entrances=["rhw_entr", "rhw_hotel"],
        population={"clinician": 1400},
        venues={
            "rhw_meet": v("meeting_room", 25, "08:00-17:00", "members",
                          "West block meeting rooms"),
        }),
    "rh_teilum": dict(
        name="Rigshospitalet, Teilum Building and Frederik V's Vej blocks",
        institution="rigshospitalet", entrances=["teilum_entr"],
        population={"clinician": 1100},
        venues={
            "teilum_meet": v("meeting_room", 30, "08:00-17:00", "members",
                             "Teilum meeting rooms"),
        }),
    # ---- Start-ups ----
    "cobis": dict(
        name="COBIS (Ole Maaløes Vej 3)", institution="cobis_companies",
        entrances=["omv_cobis", "cobis_e"],
        population={"startup": COBIS_COMPANIES * PEOPLE_PER_COMPANY},
        venues={
            "cobis_lab": v("shared_lab", 60, "08:00-20:00", "members", "COBIS shared labs"),
            "cobis_meet": v("meeting_room", 40, "08:00-18:00", "public",
                            "COBIS meeting rooms"),
            "cobis_cafe": cafe(60, "08:00-16:00", "public", "COBIS atrium café"),
        }),
    "bii": dict(
        name="BioInnovation Institute (in COBIS)", institution="bii",
        entrances=["omv_cobis", "cobis_e"],
        population={"startup": BII_STARTUPS * 5 + BII_STAFF},
        venues={
            "bii_ground": v("showroom", 300, "08:00-18:00", "public", "BII ground floor",
                            area=900),
            "bii_lab": v("shared_lab", 40, "08:00-20:00", "members", "BII labs"),
            "bii_meet": v("meeting_room", 30, "08:00-18:00", "public", "BII meeting rooms"),
        }),
    "tagensvej22": dict(
        name="Tagensvej 22 (Symbion/COBIS)", institution="tagensvej22",
        entrances=["t22_entr", "t22_n"],
        population={"startup": T22_COMPANIES * PEOPLE_PER_COMPANY},
        venues={
            "t22_lab": v("shared_lab", 30, "08:00-20:00", "members", "Tagensvej 22 labs"),
            "t22_meet": v("meeting_room", 20, "08:00-18:00", "members",
                          "Tagensvej 22 meeting rooms"),
        }),
    # ---- Haraldsgade quarter ----
    "kp_norrebro": dict(
        name="KP Campus Nørrebro (Sigurdsgade)", institution="kp",
        entrances=["kp_entr"],
        population=None,  # filled in below: the remainder of the district total
        venues={
            "kp_canteen": canteen(250, "11:00-13:30", "public", "KP canteen"),
            "kp_cafe": cafe(40, "08:00-16:00", "public", "KP café"),
            **halls("kp", "KP auditorium", [300, 250, 250, 200]),
        }),
    "hq_south": dict(
        name="Rådmandsgade business block", institution="haraldsgade_business",
        entrances=["hqs_entr"], population={"startup": 150},
        venues={
            "hqs_cafe": cafe(30, "08:00-17:00", "public", "Rådmandsgade café"),
            "hqs_meet": v("meeting_room", 15, "08:00-18:00", "members",
                          "Shared meeting room"),
        }),
    "hq_north": dict(
        name="Haraldsgade business block", institution="haraldsgade_business",
        entrances=["hqn_entr"], population={"startup": 100},
        venues={
            "hqn_meet": v("meeting_room", 15, "08:00-18:00", "members",
                          "Shared meeting room"),
        }),
    "de_gamles_by": dict(
        name="De Gamles By (Nørre Allé 41)", institution="de_gamles_by",
        entrances=["dgb_gate", "dgb_n"], population={"clinician": 150}, venues={}),
}

# One-line derivation of each building's people, written as a comment in the YAML.
POP_NOTES = {
    "hco": "KU Science share (assumption): maths, chemistry, part of physics",
    "nbb_east": "NBB hosts about 3,000 people (east + west); east/west split assumed",
    "nbb_west": "rest of the NBB 3,000",
    "biocenter": "KU Science share (assumption): biology, BRIC",
    "diku": "KU Science share (assumption): computer science",
    "akb": "KU Science share (assumption): biology",
    "zoo_museum": "KU Science share (assumption): museum staff and curators",
    "idraet": "KU Science share (assumption): nutrition, exercise and sports",
    "nbi_blegdamsvej": "KU Science share (assumption): physics remaining at Blegdamsvej 17",
    "kub_nord": "library: a shared venue, nobody based here (assumption)",
    "panum": "KU Health in district (85 % of 8,000 students, 80 % of 5,100 staff), main part",
    "maersk_tower": "KU Health research tower; share assumed",
    "pharmacy": "KU Health remainder (pharmacy, Universitetsparken 2)",
    "rh_centre": "Rigshospitalet 9,300 at Blegdamsvej; split over 4 blocks assumed",
    "rh_north": "Rigshospitalet share (assumption)",
    "rh_west": "Rigshospitalet share (assumption)",
    "rh_teilum": "Rigshospitalet share (assumption)",
    "cobis": "125 companies x 6 people (people per company assumed)",
    "bii": "about 30 concurrent start-ups (85 funded in 3 years) x 5 + 50 staff (assumed)",
    "tagensvej22": "25 companies (20-30) x 6 people (assumed)",
    "kp_norrebro": "remainder of the district's 40,000; students : staff = 10 : 1 (KP totals)",
    "hq_south": "modest business block (assumption)",
    "hq_north": "modest business block (assumption)",
    "de_gamles_by": "care staff on site (assumption)",
}

PUBLIC_SPACES = {
    "universitetsparken_lawn": ("Universitetsparken lawn", "park", "up_lawn", 10000),
    "fredrik_bajers_plads": ("Fredrik Bajers Plads", "plaza", "fbp_plaza", 8600),
    "maersk_campus_park": ("Maersk Tower campus park", "park", "cpk_2", 10000),
    "maersk_forecourt": ("Maersk Tower forecourt", "plaza", "maersk_fc", 2500),
    "faelledparken": ("Fælledparken (Blegdamsfælleden)", "park", "es_2", 403600),
    "skjolds_plads": ("Skjolds Plads", "plaza", "skjolds_plads", 1500),
}

# Gateways: id -> (name, kind, node, share). Shares are assumptions (docs/baseline.md).
GATEWAYS = {
    "metro_trianglen": ("Trianglen (M)", "metro", "metro_tri", 0.05),
    "metro_vibenshus_runddel": ("Vibenshus Runddel (M)", "metro", "metro_vib", 0.05),
    "metro_skjolds_plads": ("Skjolds Plads (M)", "metro", "metro_skj", 0.05),
    "metro_norrebros_runddel": ("Nørrebros Runddel (M)", "metro", "metro_nrr", 0.04),
    "metro_poul_henningsens_plads": ("Poul Henningsens Plads (M)", "metro", "metro_php", 0.03),
    "bus_norre_campus": ("Nørre Campus (bus, Tagensvej/Nørre Allé)", "bus", "na_kub", 0.06),
    "bus_universitetsparken": ("Universitetsparken (bus, Nørre Allé)", "bus", "na_up_bus",
                               0.04),
    "bus_rigshospitalet_syd": ("Rigshospitalet Syd (bus)", "bus", "fredensgade_stop", 0.05),
    "bus_haraldsgade": ("Haraldsgade (bus, Lyngbyvej)", "bus", "hg_lyng", 0.03),
    "bike_panum_maersk": ("Bike parking Panum / Maersk Tower", "bike", "bike_panum", 0.10),
    "bike_rigshospitalet": ("Bike parking Rigshospitalet forecourt", "bike", "rh_fc", 0.10),
    "bike_hco": ("Bike parking HCØ", "bike", "bike_hco", 0.07),
    "bike_ole_maaloes_vej": ("Bike parking Ole Maaløes Vej (Biocenter, COBIS)", "bike",
                             "omv_park", 0.07),
    "bike_nbb": ("Bike parking Niels Bohr Building", "bike", "bike_nbb", 0.07),
    "bike_rigshospitalet_north": ("Bike parking Rigshospitalet north (Frederik V's Vej)",
                                  "bike", "hhv_fvv", 0.04),
    "bike_kp_sigurdsgade": ("Bike parking KP Sigurdsgade", "bike", "sg_kp", 0.05),
    "car_rigshospitalet": ("Rigshospitalet car park", "car_park", "car_rh", 0.06),
    "car_panum": ("Panum car park", "car_park", "car_panum", 0.04),
}


# --------------------------------------------------------------------------------------
# Derivations
# --------------------------------------------------------------------------------------
def fill_populations() -> None:
    """Check the institution totals and give KP the remainder of the district total."""
    def total(inst: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for b in BUILDINGS.values():
            if b["institution"] == inst and b["population"]:
                for t, n in b["population"].items():
                    out[t] = out.get(t, 0) + n
        return out

    assert total("ku_science") == KU_SCIENCE, total("ku_science")
    assert total("ku_health") == ku_health(), (total("ku_health"), ku_health())
    assert total("rigshospitalet") == {"clinician": RIGSHOSPITALET_BLEGDAMSVEJ}
    rest = DISTRICT_TOTAL - sum(
        n for b in BUILDINGS.values() if b["population"] for n in b["population"].values()
    )
    # KP: students and staff in the proportion 20,000 : 2,000 (kp.dk), rounded to 10.
    staff = round(rest / 11 / 10) * 10
    BUILDINGS["kp_norrebro"]["population"] = {"researcher": staff, "student": rest - staff}


# --------------------------------------------------------------------------------------
# YAML output
# --------------------------------------------------------------------------------------
HEADER = """\
# Crosspaths baseline: Innovation District Copenhagen as it is today (schematic, at real
# coordinates). Streets, paths, buildings with their entrances, populations (about 40,000
# people), ground-floor venues, public spaces and arrival gateways.
#
# Street geometry east of lon 12.561 and along Tagensvej, Jagtvej and Haraldsgade is read
# off OpenStreetMap; the campus interior west of Nørre Allé, Ole Maaløes Vej, Rådmandsgade
# and Sigurdsgade are schematic, placed from the anchor coordinates in the project brief.
# Map data © OpenStreetMap contributors (ODbL).
#
# Sources, derivations and assumptions: docs/baseline.md.
# Generated by scripts/build_baseline.py; edit that script (or this file by hand) and
# check with: python run_sim.py check scenarios/baseline.yaml
"""


def q(s: str) -> str:
    """A double-quoted YAML string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def num(x: float) -> str:
    return f"{x:g}"


def build_edges() -> dict[str, dict]:
    edges: dict[str, dict] = {}
    for prefix, name, kind, traffic, frontage, nodes in CHAINS:
        fr = frontage if isinstance(frontage, list) else [frontage] * (len(nodes) - 1)
        assert len(fr) == len(nodes) - 1, (prefix, len(fr), len(nodes))
        for i, (a, b) in enumerate(itertools.pairwise(nodes), start=1):
            eid = f"{prefix}_{i:02d}"
            assert eid not in edges, eid
            edges[eid] = dict(a=a, b=b, kind=kind, traffic=traffic, frontage=fr[i - 1],
                              name=name)
    for eid, a, b, kind, traffic, frontage, name in EDGES:
        assert eid not in edges, eid
        edges[eid] = dict(a=a, b=b, kind=kind, traffic=traffic, frontage=frontage, name=name)
    return edges


def _footprint_lines(rings: list[list[tuple[float, float]]], note: str) -> list[str]:
    """A building's ``footprint:`` as YAML lines: one flow list per ring, 4 points a line."""
    out = [f"    footprint:  # {note}\n"]
    for ring in rings:
        pts = [f"[{la:.6f}, {lo:.6f}]" for la, lo in ring]
        chunks = [", ".join(pts[i:i + 4]) for i in range(0, len(pts), 4)]
        out.append("      - [" + ",\n         ".join(chunks) + "]\n")
    return out


def render() -> str:
    edges = build_edges()
    footprints = build_footprints(OSM_DIR)
    out = [HEADER]
    out.append("name: baseline\n")
    out.append('title: "Innovation District today"\n')
    out.append("description: " + q(
        "Innovation District Copenhagen today: KU Nørre Campus, Panum and Maersk Tower, "
        "Rigshospitalet, COBIS/BII, Tagensvej 22, De Gamles By and the Haraldsgade "
        "quarter") + "\n")
    out.append("attribution: " + q("© OpenStreetMap contributors") + "\n")
    out.append("origin: {lat: 55.6995, lon: 12.5600}\n\n")

    out.append("institutions:\n")
    for iid, (name, sector) in INSTITUTIONS.items():
        out.append(f"  {iid}: {{name: {q(name)}, sector: {sector}}}\n")

    out.append("\n# Source tags: osm = read off OpenStreetMap, brief = anchor in the project "
               "brief,\n# wiki = Wikipedia coordinate, sch = schematic placement "
               "(assumption).\nnodes:\n")
    for nid, (lat, lon, src, note) in NODES.items():
        comment = f"  # {src}" + (f": {note}" if note else "")
        out.append(f"  {nid}: {{lat: {lat:.5f}, lon: {lon:.5f}}}{comment}\n")

    out.append("\nedges:\n")
    for eid, e in edges.items():
        parts = [f"from: {e['a']}", f"to: {e['b']}", f"kind: {e['kind']}",
                 f"traffic: {e['traffic']}"]
        if e["frontage"]:
            parts.append(f"frontage: {num(e['frontage'])}")
        parts.append(f"name: {q(e['name'])}")
        out.append(f"  {eid}: {{{', '.join(parts)}}}\n")

    out.append("\nbuildings:\n")
    for bid, b in BUILDINGS.items():
        inst = b["institution"]
        inst_s = f"[{', '.join(inst)}]" if isinstance(inst, list) else inst
        out.append(f"  {bid}:\n")
        out.append(f"    name: {q(b['name'])}\n")
        out.append(f"    institution: {inst_s}\n")
        out.append(f"    entrances: [{', '.join(b['entrances'])}]\n")
        pop = ", ".join(f"{t}: {n}" for t, n in b["population"].items())
        out.append(f"    population: {{{pop}}}  # {POP_NOTES[bid]}\n")
        source, _, note = FOOTPRINTS[bid]
        out.extend(_footprint_lines(footprints[bid], f"{source}: {note}"))
        if b["venues"]:
            out.append("    venues:\n")
            for vid, ven in b["venues"].items():
                parts = [f"kind: {ven['kind']}", f"capacity: {ven['capacity']}"]
                if "rooms" in ven:
                    parts.append(f"rooms: {ven['rooms']}")
                parts += [f"hours: {q(ven['hours'])}", f"access: {ven['access']}"]
                if "area" in ven:
                    parts.append(f"area: {ven['area']}")
                parts.append(f"name: {q(ven['name'])}")
                out.append(f"      {vid}: {{{', '.join(parts)}}}\n")

    out.append("\npublic_spaces:\n")
    for sid, (name, kind, nid, area) in PUBLIC_SPACES.items():
        out.append(f"  {sid}: {{name: {q(name)}, kind: {kind}, node: {nid}, area: {area}}}\n")

    out.append("\n# Shares are assumptions (about half of arrivals by bike); "
               "see docs/baseline.md.\ngateways:\n")
    for gid, (name, kind, nid, share) in GATEWAYS.items():
        out.append(f"  {gid}: {{name: {q(name)}, kind: {kind}, node: {nid}, "
                   f"share: {num(share)}}}\n")
    return "".join(out)


# --------------------------------------------------------------------------------------
# Optional check against the OSM extract
# --------------------------------------------------------------------------------------
def _seg_dist_m(p, a, b) -> float:
    """Distance in metres from point p to segment ab, all (lat, lon)."""
    k = 111320 * math.cos(math.radians(p[0]))
    px, py = p[1] * k, p[0] * 110540
    ax, ay, bx, by = a[1] * k, a[0] * 110540, b[1] * k, b[0] * 110540
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy)
                                               / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def osm_check() -> None:
    """Print how far each 'osm' node lies from the nearest OSM line (streets and paths)."""
    lines = []
    for fname in ("district_highways.geojson.gz", "supplement_bikeinfra_osm_bikedna.geojson.gz"):
        with gzip.open(OSM_DIR / fname) as f:
            for feat in json.load(f)["features"]:
                g = feat["geometry"]
                coords = g["coordinates"][0] if g["type"] == "Polygon" else g["coordinates"]
                lines.append([(la, lo) for lo, la in coords])
    far = []
    for nid, (lat, lon, src, _) in NODES.items():
        if src != "osm":
            continue
        d = min(
            _seg_dist_m((lat, lon), a, b) for ln in lines for a, b in itertools.pairwise(ln)
        )
        far.append((d, nid))
    far.sort(reverse=True)
    print(f"osm nodes: {len(far)}; median distance to an OSM line "
          f"{far[len(far) // 2][0]:.1f} m; largest:")
    for d, nid in far[:10]:
        print(f"  {nid}: {d:.1f} m")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--osm-check", action="store_true", help="compare nodes with OSM lines")
    ap.add_argument("--out", default=str(OUT), help="output file")
    args = ap.parse_args()
    fill_populations()
    Path(args.out).write_text(render(), encoding="utf-8")
    print(f"wrote {args.out}: {len(NODES)} nodes, {len(build_edges())} edges, "
          f"{len(BUILDINGS)} buildings")
    if args.osm_check:
        osm_check()


if __name__ == "__main__":
    main()
