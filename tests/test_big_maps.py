"""Big layers on one canvas (issue 19, part 3), in a real headless Chromium (Debian's /usr/bin/chromium).

A layer of more than ``CANVAS_THRESHOLD`` features is one ``L.EcozoneCanvas``: these tests open
such pages and check what a user sees and what the page holds — the layer drawn where its
features are, a tooltip on hover, a popup on click, hostile names shown as text, no console
error, no request offline, and the coordinates the page decodes equal to the input's within the
quantisation step (decoded in the browser, compared with shapely's).  No timing is asserted.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

import ecozone
from ecozone.maps import render_map, write_map
from ecozone.maps.canvas import CANVAS_THRESHOLD, STEP
from ecozone.maps.quick import QuickLayer, quick_map

from .conftest import REPO
from .test_maps_browser import Visit, non_blank

ARTIFACTS = Path(os.environ.get("ECOZONE_ARTIFACTS", REPO / "test-artifacts")) / "maps"
XSS = ["</script><img src=x onerror=alert(1)>", "<img src=x onerror=\"window.__pwned=1\">", "<!--", "\u2028{{7*7}}"]
N = CANVAS_THRESHOLD + 1200
SIDE = 0.004  # degrees: a grid cell

#: the page's canvas layers and its map
FIND_JS = """() => {
  const map = Object.keys(window).find(k => window[k] instanceof L.Map);
  const layers = Object.keys(window).filter(k => window[k] instanceof L.EcozoneCanvas);
  return {map: map, layers: layers};
}"""


def grid(n: int = N, cols: int = 80) -> gpd.GeoDataFrame:
    """``n`` square cells near Yantai (lon/lat), named, a few with hostile names, one with a hole."""
    i = np.arange(n)
    x, y = 121.0 + (i % cols) * SIDE, 37.2 + (i // cols) * SIDE
    geoms = list(shapely.box(x, y, x + SIDE * 0.9, y + SIDE * 0.9))
    geoms[1] = Polygon(geoms[1].exterior.coords, [box(x[1] + SIDE * 0.3, y[1] + SIDE * 0.3, x[1] + SIDE * 0.6, y[1] + SIDE * 0.6).exterior.coords])
    names = [f"第{k}块" for k in i]
    for k, payload in enumerate(XSS):
        names[100 + k * 7] = payload
    return gpd.GeoDataFrame({"name": names, "use": np.where(i % 3 == 0, "耕地", "林地")}, geometry=geoms, crs=4326)


def mixed(n: int = N) -> gpd.GeoDataFrame:
    """Every geometry family in one big layer: polygons, multipolygons (one with a hole), lines and points."""
    rng = np.random.default_rng(3)
    geoms = []
    for k in range(n):
        x, y = 121.0 + rng.uniform(0, 0.3), 37.2 + rng.uniform(0, 0.3)
        match k % 4:
            case 0:
                geoms.append(box(x, y, x + 0.002, y + 0.0015))
            case 1:
                outer = Polygon([(x, y), (x + 0.003, y), (x + 0.003, y + 0.003), (x, y + 0.003)],
                                [[(x + 0.001, y + 0.001), (x + 0.002, y + 0.001), (x + 0.002, y + 0.002), (x + 0.001, y + 0.002)]])
                geoms.append(MultiPolygon([outer, box(x + 0.004, y, x + 0.005, y + 0.001)]))
            case 2:
                geoms.append(LineString([(x, y), (x + 0.002, y + 0.001), (x + 0.003, y - 0.001)]))
            case 3:
                geoms.append(Point(x, y))
    return gpd.GeoDataFrame({"name": [f"要素{k}" for k in range(n)]}, geometry=geoms, crs=4326)


def open_page(browser, path: Path) -> Visit:
    v = Visit(browser)
    v.open(path)
    return v


def container_point(v: Visit, found: dict, lon: float, lat: float) -> tuple[float, float]:
    p = v.page.evaluate(f"() => {{ const p = window['{found['map']}'].latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    return p[0], p[1]


def zoom_to(v: Visit, found: dict, lon: float, lat: float, zoom: int = 16) -> None:
    """Centre the map on a point; the mouse is moved off first (the next target is again the centre: a move
    to where the mouse already is fires no event)."""
    v.page.mouse.move(400, 820)
    v.page.evaluate(f"() => window['{found['map']}'].setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    v.page.wait_for_timeout(200)


@pytest.fixture(scope="module")
def grid_page(tmp_path_factory) -> tuple[Path, gpd.GeoDataFrame]:
    gdf = grid()
    path = tmp_path_factory.mktemp("big") / "grid.html"
    write_map(quick_map([QuickLayer("格网", gdf)], color_by="use", offline=True), path)
    return path, gdf


@pytest.mark.browser
def test_the_canvas_draws_where_the_features_are(browser, grid_page):
    path, gdf = grid_page
    v = open_page(browser, path)
    try:
        found = v.page.evaluate(FIND_JS)
        assert len(found["layers"]) == 1
        layer = found["layers"][0]
        assert v.page.evaluate(f"() => [window['{layer}'].featureCount(), window['{layer}']._drawn]") == [N, N]
        # a pixel inside a cell is drawn, a pixel in the gap between cells (at a zoom where the gap is wide) is not
        c = gdf.geometry.iloc[500].centroid
        zoom_to(v, found, c.x, c.y, 17)
        probe = f"""(ll) => {{
            const l = window['{layer}'], p = window['{found['map']}'].latLngToLayerPoint(ll).subtract(l._bounds.min);
            const m = L.Browser.retina ? 2 : 1;
            return Array.from(l._ctx.getImageData(Math.round(p.x * m), Math.round(p.y * m), 1, 1).data);
        }}"""
        inside = v.page.evaluate(probe, [c.y, c.x])
        gap = v.page.evaluate(probe, [c.y, c.x + SIDE * 0.5])  # between this cell and the next (0.1 × SIDE wide)
        assert inside[3] > 0 and gap[3] == 0, (inside, gap)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        colours, drawn = non_blank(v.page.screenshot(path=str(ARTIFACTS / "big-grid.png")))
        assert colours > 20 and drawn > 0.3, (colours, drawn)
        # (the probe's own readback warns that it is slow)
        assert [e for e in v.errors if "willReadFrequently" not in e] == [] and v.requests == [path.resolve().as_uri()]
        # the layer control hides and shows it; the legend lists the categories
        v.page.locator(".leaflet-control-layers-overlays input").first.uncheck()
        assert v.page.evaluate("() => document.querySelectorAll('canvas.ecozone-canvas').length") == 0
        v.page.locator(".leaflet-control-layers-overlays input").first.check()
        assert v.page.evaluate("() => document.querySelectorAll('canvas.ecozone-canvas').length") == 1
        legend = v.page.locator(".ecozone-legend").inner_text()
        assert "耕地" in legend and "林地" in legend
    finally:
        v.close()


@pytest.mark.browser
def test_hover_shows_the_name_and_hostile_names_are_text(browser, grid_page):
    path, gdf = grid_page
    v = open_page(browser, path)
    try:
        found = v.page.evaluate(FIND_JS)
        for k in [0, 1, 2500, N - 1] + [100 + j * 7 for j in range(len(XSS))]:
            c = gdf.geometry.iloc[k].centroid
            if k == 1:  # the cell with a hole: a point between its edge and the hole
                c = Point(gdf.geometry.iloc[k].bounds[0] + SIDE * 0.1, gdf.geometry.iloc[k].bounds[1] + SIDE * 0.1)
            zoom_to(v, found, c.x, c.y, 16)
            v.page.mouse.move(*container_point(v, found, c.x, c.y))
            v.page.wait_for_timeout(100)
            tip = v.page.locator(".leaflet-tooltip").last.inner_text()
            assert gdf["name"].iloc[k].replace("\u2028", "") in tip.replace("\u2028", ""), (k, tip)
            assert gdf["use"].iloc[k] in tip
        # the hole is no part of the cell: no tooltip there
        hole = gdf.geometry.iloc[1].interiors[0].centroid
        zoom_to(v, found, hole.x, hole.y, 17)
        v.page.mouse.move(*container_point(v, found, hole.x, hole.y))
        v.page.wait_for_timeout(100)
        assert v.page.locator(".leaflet-tooltip").count() == 0
        v.page.wait_for_timeout(300)
        assert v.dialogs == [] and v.page.evaluate("() => window.__pwned === undefined")
        assert v.page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert v.errors == [] and v.requests == [path.resolve().as_uri()]
    finally:
        v.close()


@pytest.mark.browser
def test_a_preset_layer_of_many_features_with_popups(browser, tmp_path):
    """render_map: a district layer over the threshold goes on the canvas too, with its tooltip and popup."""
    gdf = grid(cols=100).to_crs(4549)
    gdf["id"] = [f"D{k}" for k in range(len(gdf))]
    atlas = ecozone.Atlas.from_frames({"districts": (gdf[["id", "name", "geometry"]], "district")})
    preset = tmp_path / "p.toml"
    preset.write_text("[[layers]]\nsource = 'district'\ntooltip = ['name']\npopup = ['id', 'name', 'area_ha']\n", "utf-8")
    path = write_map(render_map(preset, atlas, offline=True), tmp_path / "p.html")
    v = open_page(browser, path)
    try:
        found = v.page.evaluate(FIND_JS)
        assert len(found["layers"]) == 1
        k = 100 + 7  # a hostile name
        c = gdf.to_crs(4326).geometry.iloc[k].centroid
        zoom_to(v, found, c.x, c.y, 16)
        v.page.mouse.click(*container_point(v, found, c.x, c.y))
        v.page.wait_for_timeout(200)
        popup = v.page.locator(".leaflet-popup-content").inner_text()
        assert XSS[1] in popup and f"D{k}" in popup and "面积" in popup, popup
        assert v.dialogs == [] and v.page.evaluate("() => window.__pwned === undefined")
        assert v.errors == [] and v.requests == [path.resolve().as_uri()]
    finally:
        v.close()


@pytest.mark.browser
def test_decoded_coordinates_equal_the_input_within_the_step(browser, tmp_path):
    """Every feature of a big layer of every geometry family, decoded by the page, against shapely's coordinates."""
    gdf = mixed()
    path = write_map(quick_map([QuickLayer("mixed", gdf)], offline=True), tmp_path / "mixed.html")
    html = path.read_text("utf-8")
    assert '"g":"' in html  # the per-feature kinds are written (the layer mixes them)
    v = open_page(browser, path)
    try:
        found = v.page.evaluate(FIND_JS)
        layer = found["layers"][0]
        decoded = v.page.evaluate(f"""() => {{
            const l = window['{layer}'], out = [];
            for (let i = 0; i < l.featureCount(); i++) out.push([l.geometryKind(i), l.featureRings(i)]);
            return out;
        }}""")
        assert len(decoded) == len(gdf)
        oriented = shapely.orient_polygons(gdf.geometry.values)
        for (kind, rings), geom in zip(decoded, oriented):
            assert kind == {"Point": 0, "LineString": 1}.get(geom.geom_type, 2)
            polys = list(getattr(geom, "geoms", [geom])) if kind == 2 else []
            expected = ([np.asarray(r.coords)[:-1] for p in polys for r in [p.exterior, *p.interiors]] if kind == 2
                        else [np.asarray(geom.coords)])
            assert len(rings) == len(expected)
            for got, want in zip(rings, expected):
                got = np.asarray(got)
                assert got.shape == want.shape
                # within the step (the display copy's 6 decimals, then the step: at most STEP / 2 + 5e-7)
                assert np.abs(got - want).max() <= STEP
        assert v.errors == []
        # all three families drawn, and a point and a line answer a hover
        for k in (2, 3):
            g = gdf.geometry.iloc[k]
            at = g.interpolate(0.5, normalized=True) if k == 2 else g
            zoom_to(v, found, at.x, at.y, 17)
            v.page.mouse.move(*container_point(v, found, at.x, at.y))
            v.page.wait_for_timeout(100)
            assert f"要素{k}" in v.page.locator(".leaflet-tooltip").last.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        v.page.screenshot(path=str(ARTIFACTS / "big-mixed.png"))
    finally:
        v.close()


@pytest.mark.browser
def test_two_big_layers_answer_the_mouse_once(browser, tmp_path):
    """Points over polygons, both on canvases: the one on top answers, and only one tooltip is open."""
    cells = grid()
    centres = gpd.GeoSeries(shapely.centroid(cells.geometry.values), crs=4326)  # of squares in degrees: exact
    points = gpd.GeoDataFrame({"name": [f"井{k}" for k in range(N)]}, geometry=list(centres), crs=4326)
    path = write_map(quick_map([QuickLayer("格网", cells), QuickLayer("井", points)], offline=True), tmp_path / "two.html")
    v = open_page(browser, path)
    try:
        found = v.page.evaluate(FIND_JS)
        assert len(found["layers"]) == 2
        c = centres.iloc[300]
        for at, expect in ((c, "井300"), (Point(c.x + SIDE * 0.3, c.y + SIDE * 0.3), "第300块")):
            zoom_to(v, found, c.x, c.y, 17)
            v.page.mouse.move(*container_point(v, found, at.x, at.y))
            v.page.wait_for_timeout(100)
            tips = v.page.locator(".leaflet-tooltip").all_inner_texts()
            assert len(tips) == 1 and expect in tips[0], tips
        assert v.errors == []
    finally:
        v.close()


def test_a_page_of_100k_polygons_is_under_10_mb(tmp_path):
    """Size is not a timing: 100,000 Voronoi cells (as bench/maps.py makes them) in a page of at most 10 MB."""
    rng = np.random.default_rng(7)
    x0, y0, size = 560000.0, 4100000.0, 120000.0
    pts = shapely.points(rng.uniform(x0, x0 + size, 100_000), rng.uniform(y0, y0 + size, 100_000))
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=shapely.box(x0, y0, x0 + size, y0 + size))
    cells = shapely.intersection(np.asarray(shapely.get_parts(cells)), shapely.box(x0, y0, x0 + size, y0 + size))
    gdf = gpd.GeoDataFrame({"name": [f"第{i}村" for i in range(len(cells))]}, geometry=cells, crs=4549)
    path = write_map(quick_map([QuickLayer("村界", gdf)], offline=True), tmp_path / "big.html")
    assert path.stat().st_size <= 10e6
    html = path.read_text("utf-8")
    assert html.count("new L.EcozoneCanvas(") == 1 and "第99999村" in html


def _decode_varints(s: str) -> list[int]:
    """The page's decoder, in Python: 5 bits a character, the sixth says "more", zigzag."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    out, v, shift = [], 0, 0
    for ch in s:
        c = alphabet.index(ch)
        v |= (c & 31) << shift
        if c & 32:
            shift += 5
        else:
            out.append((v >> 1) ^ -(v & 1))
            v, shift = 0, 0
    return out


def test_varints_and_collections():
    from shapely.geometry import GeometryCollection

    from ecozone.maps.canvas import encode, varints

    values = np.random.default_rng(1).integers(-(2**29), 2**29, 5000)
    values[:6] = [0, -1, 1, 15, -16, 2**29]
    assert _decode_varints(varints(values)) == values.tolist()
    # a collection is drawn as its parts of the highest dimension
    data, kinds = encode(np.array([GeometryCollection([box(0, 0, 1, 1), LineString([(0, 0), (2, 2)]), Point(5, 5)]),
                                   GeometryCollection([LineString([(0, 0), (1, 1)]), Point(3, 3)])], dtype=object))
    assert kinds.tolist() == [2, 1] and _decode_varints(data["r"]) == [4, 2] and _decode_varints(data["f"]) == [1, 1]
