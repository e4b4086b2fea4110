"""Map assets: GeoJSON boundaries keyed by ``adcode``, from the shipped folder or a configured one.

Shipped (``data/maps/``, built by scripts/build_maps.py, coordinates GCJ-02 as in the source):

- ``zj-counties``: Zhejiang's 90 counties, vintage 2021 (the default region vintage);
- ``zj-counties-2020``: Zhejiang's 90 counties, vintage 2020 (Hangzhou's districts approximate);
- ``cn-provinces``: the 34 provincial units (no national border is drawn).

A deployer replaces the folder with officially approved boundaries by setting ``FUGONG_MAP_DIR``:
the folder holds ``<name>.geojson`` files, FeatureCollections whose features carry ``adcode`` and
``name`` properties. Maps of China shown to the public need official review (审图号).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

MAP_NAMES: tuple[str, ...] = ("zj-counties", "zj-counties-2020", "cn-provinces")
# The region vintage each shipped layer's adcodes belong to.
MAP_VINTAGES: dict[str, str] = {"zj-counties": "2021", "zj-counties-2020": "2020", "cn-provinces": "2021"}

SHIPPED_DIR = Path(str(resources.files("fugong.reference") / "data" / "maps"))


class MapNotFound(FileNotFoundError):
    """A map file is missing from the map folder in use."""


def map_folder(map_dir: str | Path | None = None) -> Path:
    """The folder in use: ``map_dir`` if given, else FUGONG_MAP_DIR if set, else the shipped one."""
    if map_dir is not None:
        return Path(map_dir)
    from fugong.config import get_settings

    configured = get_settings().map_dir
    return Path(configured) if configured else SHIPPED_DIR


def available(*, map_dir: str | Path | None = None) -> list[str]:
    """Names of the maps present in the folder in use (``<name>.geojson`` files), sorted."""
    folder = map_folder(map_dir)
    return sorted(p.name.removesuffix(".geojson") for p in folder.glob("*.geojson")) if folder.is_dir() else []


def load(name: str, *, map_dir: str | Path | None = None) -> dict:
    """The GeoJSON FeatureCollection ``<name>.geojson`` of the folder in use (a fresh dict each call)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"map name {name!r} is not valid: use one of {', '.join(MAP_NAMES)}")
    folder = map_folder(map_dir)
    path = folder / f"{name}.geojson"
    if not path.is_file():
        where = "the shipped map folder" if folder == SHIPPED_DIR else "the map folder"
        raise MapNotFound(
            f"地图文件缺失 / map file missing: {path.name} not found in {where} {folder}; "
            f"expected files: {', '.join(n + '.geojson' for n in MAP_NAMES)}"
        )
    stat = path.stat()
    collection = json.loads(_read(str(path.resolve()), stat.st_mtime_ns, stat.st_size))
    for feature in collection["features"]:
        # Some published files (e.g. DataV GeoAtlas) carry adcode as a number: always give a string.
        feature["properties"]["adcode"] = str(feature["properties"]["adcode"])
    return collection


@lru_cache(maxsize=16)
def _read(path: str, mtime_ns: int, size: int) -> str:
    """File text, cached per (path, modification time, size) so a replaced file is read again."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    for index, feature in enumerate(data["features"]):
        props = feature.get("properties") or {}
        if not props.get("adcode") or "name" not in props:
            raise ValueError(f"{path}: feature {index} has no 'adcode' and 'name' properties")
    return text
