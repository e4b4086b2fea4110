"""Static choropleth: SVG rendered here from GeoJSON (no map library), PNG through headless Chromium.

Projection: equirectangular scaled to the bounding box, x stretched by cos(mean latitude) so that
shapes keep their proportions at Zhejiang's latitude. The image carries a title, the legend, the
date, the rule set's name and the data's source. Colours are the rule set's level colours, the same
values the web page uses (``publication_view()["grades"][i]["colour"]``).

    svg = render_svg(geojson, fills={"330110": "#f2d405"}, title="浙江县域疫情风险 2020-02-19",
                     legend=[("#f2d405", "中风险"), ...], footer=["规则：zj-five-colour-2020", "数据：…"])
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

NO_DATA = "#e6e6e6"


def _rings(geometry: dict):
    kind, coords = geometry["type"], geometry["coordinates"]
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons:
        yield from polygon


def _bbox(features: list[dict]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for feature in features:
        for ring in _rings(feature["geometry"]):
            for x, y, *_ in ring:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def render_svg(geojson: dict, *, fills: dict[str, str], title: str, legend: list[tuple[str, str]],
               footer: list[str], labels: dict[str, str] | None = None, width: int = 900) -> str:
    """An SVG document: one path per feature (``adcode``) filled from ``fills`` (grey when absent)."""
    features = [f for f in geojson["features"] if f.get("geometry")]
    x0, y0, x1, y1 = _bbox(features)
    stretch = math.cos(math.radians((y0 + y1) / 2))
    map_w = width - 40
    scale = map_w / ((x1 - x0) * stretch)
    map_h = (y1 - y0) * scale
    top, bottom = 60, 40 + 22 * (len(legend) // 4 + 1) + 18 * len(footer)
    height = int(top + map_h + bottom)

    def point(x: float, y: float) -> str:
        return f"{20 + (x - x0) * stretch * scale:.1f},{top + (y1 - y) * scale:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="20" y="36" font-size="22" font-weight="bold">{escape(title)}</text>',
        '<g stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">',
    ]
    for feature in features:
        code = str(feature["properties"]["adcode"])
        name = (labels or {}).get(code) or feature["properties"].get("name", code)
        d = " ".join("M" + " L".join(point(x, y) for x, y, *_ in ring) + " Z" for ring in _rings(feature["geometry"]))
        fill = fills.get(code, NO_DATA)
        parts.append(f'<path d="{d}" fill="{fill}" data-adcode="{code}"><title>{escape(name)}</title></path>')
    parts.append("</g>")
    y = top + map_h + 30
    for i, (colour, text) in enumerate(legend):
        x = 20 + (i % 4) * 215
        row_y = y + (i // 4) * 22
        parts.append(f'<rect x="{x}" y="{row_y - 12}" width="16" height="14" fill="{colour}" stroke="#888" stroke-width="0.5"/>')
        parts.append(f'<text x="{x + 22}" y="{row_y}" font-size="13">{escape(text)}</text>')
    y += 22 * ((len(legend) - 1) // 4 + 1) + 6
    for line in footer:
        parts.append(f'<text x="20" y="{y}" font-size="12" fill="#444">{escape(line)}</text>')
        y += 18
    parts.append("</svg>")
    return "\n".join(parts)


def svg_to_png(svg: str, out: str | Path) -> Path:
    """Rasterise with Debian's headless Chromium through Playwright (no network, no extra package)."""
    import re
    import shutil

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise RuntimeError("PNG export needs Chromium (apt-get install chromium); SVG export works without it")
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    height = int(re.search(r'height="(\d+)"', svg).group(1))
    out = Path(out)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox",
                                                                              "--disable-gpu"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
        page.screenshot(path=str(out), clip={"x": 0, "y": 0, "width": width, "height": height})
        browser.close()
    return out


def value_colour(value: float | None, *, lowest: float = 0.0, highest: float = 100.0) -> str:
    """A sequential colour for an index value (resumption index 0–100): pale → dark blue."""
    if value is None or value != value:
        return NO_DATA
    t = max(0.0, min(1.0, (value - lowest) / ((highest - lowest) or 1)))
    start, end = (0xde, 0xeb, 0xf7), (0x08, 0x30, 0x6b)
    r, g, b = (round(a + (z - a) * t) for a, z in zip(start, end))
    return f"#{r:02x}{g:02x}{b:02x}"


def publication_svg(view: dict, geojson: dict, *, lang: str = "zh") -> str:
    """The SVG of a publication view (``services.publication_view``) on a map layer, in ``lang``
    (interface words from the catalogue, level names and titles from the rule set, region names from
    the names catalogue)."""
    from fugong.web.i18n import translator

    tr = translator(lang)
    fills = {g["region_code"]: g["colour"] for g in view["grades"]}
    labels = {g["region_code"]: tr.name("region", g["name"]) for g in view["grades"]}
    counts = view["counts"]
    legend = [(lv["colour"], f"{tr.pick(lv)} ({counts.get(lv['key'], 0)})") for lv in view["levels"]]
    legend.append((NO_DATA, tr("no data")))
    title = f"{tr.pick(view, 'title')} · {view['date']}"
    footer = [f"{tr('Rule set')}: {view['rule_set']} — {view['source']}",
              f"{tr('Data')}: {view.get('data_source') or '—'}"]
    return render_svg(geojson, fills=fills, title=title, legend=legend, footer=footer, labels=labels)
