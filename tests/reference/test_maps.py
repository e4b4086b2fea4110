"""Map assets: 90 Zhejiang counties per layer, adcodes known to the region table, small, replaceable."""

import json
from pathlib import Path

import pytest

from fugong.reference import maps, regions
from fugong.reference.maps import MapNotFound

ZHEJIANG_LAYERS = {"zj-counties": "2021", "zj-counties-2020": "2020"}


def _codes(collection):
    return [f["properties"]["adcode"] for f in collection["features"]]


def test_the_shipped_folder_has_the_three_maps():
    assert set(maps.MAP_NAMES) <= set(maps.available(map_dir=maps.SHIPPED_DIR))


@pytest.mark.parametrize("name", ZHEJIANG_LAYERS)
def test_each_zhejiang_layer_has_exactly_90_distinct_county_features(name):
    codes = _codes(maps.load(name, map_dir=maps.SHIPPED_DIR))
    assert len(codes) == 90 and len(set(codes)) == 90


@pytest.mark.parametrize("name, vintage", ZHEJIANG_LAYERS.items())
def test_every_zhejiang_feature_is_a_county_of_the_layers_vintage(name, vintage):
    collection = maps.load(name, map_dir=maps.SHIPPED_DIR)
    expected = {r.code for r in regions.children("33", level="county", vintage=vintage)}
    assert set(_codes(collection)) == expected
    for feature in collection["features"]:
        props = feature["properties"]
        assert regions.get(props["adcode"], vintage=vintage).name == props["name"]
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_the_2020_layer_has_jianggan_and_the_current_layer_has_linping():
    assert "330104" in _codes(maps.load("zj-counties-2020", map_dir=maps.SHIPPED_DIR))
    assert "330113" in _codes(maps.load("zj-counties", map_dir=maps.SHIPPED_DIR))


def test_the_province_layer_has_the_34_provincial_units():
    codes = _codes(maps.load("cn-provinces", map_dir=maps.SHIPPED_DIR))
    assert len(codes) == 34
    assert set(codes) == {r.code for r in regions.all_regions(level="province", vintage="2021")}


def test_all_map_files_together_are_smaller_than_2_mb():
    total = sum(p.stat().st_size for p in Path(maps.SHIPPED_DIR).glob("*.geojson"))
    assert total < 2_000_000


def test_coordinates_lie_in_zhejiang():
    collection = maps.load("zj-counties", map_dir=maps.SHIPPED_DIR)
    lons, lats = [], []
    for feature in collection["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for lon, lat in polygon[0]:
                lons.append(lon)
                lats.append(lat)
    assert 118 < min(lons) and max(lons) < 123.5 and 27 < min(lats) and max(lats) < 31.5


def _write(folder: Path, name: str, features: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def test_a_map_dir_argument_replaces_the_shipped_folder(tmp_path):
    feature = {"type": "Feature", "properties": {"adcode": 330110, "name": "余杭区"},
               "geometry": {"type": "Point", "coordinates": [120.3, 30.4]}}
    _write(tmp_path, "zj-counties", [feature])
    loaded = maps.load("zj-counties", map_dir=tmp_path)
    assert _codes(loaded) == ["330110"]  # numeric adcodes come back as strings
    assert maps.available(map_dir=tmp_path) == ["zj-counties"]


def test_fugong_map_dir_replaces_the_shipped_folder(tmp_path, monkeypatch, settings_env):
    _write(tmp_path / "approved", "cn-provinces", [])
    monkeypatch.setenv("FUGONG_MAP_DIR", str(tmp_path / "approved"))
    assert maps.load("cn-provinces")["features"] == []


def test_a_missing_file_in_a_configured_folder_names_the_folder_and_file(tmp_path, monkeypatch, settings_env):
    monkeypatch.setenv("FUGONG_MAP_DIR", str(tmp_path))
    with pytest.raises(MapNotFound) as info:
        maps.load("zj-counties")
    assert str(tmp_path) in str(info.value) and "zj-counties.geojson" in str(info.value)


def test_without_configuration_the_shipped_folder_is_used(settings_env):
    assert len(maps.load("zj-counties")["features"]) == 90


def test_a_file_without_adcodes_is_rejected_naming_the_file(tmp_path):
    _write(tmp_path, "zj-counties", [{"type": "Feature", "properties": {"name": "x"}, "geometry": None}])
    with pytest.raises(ValueError, match="zj-counties.geojson: feature 0"):
        maps.load("zj-counties", map_dir=tmp_path)


def test_a_map_name_with_a_path_is_rejected():
    with pytest.raises(ValueError, match="not valid"):
        maps.load("../secret", map_dir=maps.SHIPPED_DIR)
