"""The maps in a real headless Chromium (Debian's /usr/bin/chromium through playwright).

Skipped only when Chromium is missing and CI is unset; in CI a missing
Chromium fails.  Screenshots go to test-artifacts/maps/ (ECOZONE_ARTIFACTS
overrides the folder).
"""

from __future__ import annotations

import base64
import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import Geod
from shapely.geometry import Point, box

import ecozone
from ecozone.maps import load_preset, render_map, write_map

from .conftest import REPO

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("ECOZONE_ARTIFACTS", REPO / "test-artifacts")) / "maps"
PRESETS = ["overview", "coastline", "coverage", "conflicts"]
XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "<img src=x onerror=\"window.__pwned=1\">"]
#: a 1×1 transparent PNG: what the test's fake tile server answers
PNG_1PX = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

#: every GeoJSON layer of the page, with the map
LAYERS_JS = """() => {
  const maps = Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map);
  const layers = Object.keys(window).filter(k => k.startsWith('geo_json_') && window[k] instanceof L.GeoJSON);
  return {map: maps[0], layers: layers};
}"""


class Visit:
    """A page that records every request, console message, page error and dialog."""

    def __init__(self, browser, tiles: bytes | None = None):
        self.context = browser.new_context(viewport={"width": 1280, "height": 860})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            elif tiles is not None:
                r.fulfill(status=200, content_type="image/png", body=tiles)
            else:
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

        def dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", dialog)

    def open(self, path: Path) -> None:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_timeout(600)

    def close(self) -> None:
        self.context.close()


def non_blank(png: bytes) -> tuple[int, float]:
    """Distinct colours and the share of pixels that differ from the most common one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)  # a screenshot has no CRS
        with rasterio.io.MemoryFile(png) as mem, mem.open() as ds:
            rgb = ds.read()[:3].reshape(3, -1).T
    colours, counts = np.unique(rgb, axis=0, return_counts=True)
    return len(colours), 1 - counts.max() / counts.sum()


@pytest.mark.parametrize("preset", PRESETS)
def test_demo_map_opens_cleanly_offline(browser, demo_run, preset):
    out, _ = demo_run
    path = out / "maps" / f"{preset}.html"
    v = Visit(browser)
    try:
        v.open(path)
        assert v.errors == []
        # offline, no basemap: the page itself is the only request
        assert v.requests == [path.resolve().as_uri()]
        labels = [s.strip() for s in v.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
        expected = [spec["label"]["zh"] for spec in load_preset(preset).layers]
        assert labels == expected
        legend = v.page.locator(".ecozone-legend")
        assert legend.is_visible() and legend.inner_text().startswith("图例")
        for spec in load_preset(preset).layers:
            if spec.get("legend", True):
                assert spec["label"]["zh"] in legend.inner_text(), spec["label"]
        assert v.page.locator(".leaflet-control-scale").is_visible()
        assert "示意" in v.page.locator(".leaflet-control-attribution").inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        png = v.page.screenshot(path=str(ARTIFACTS / f"demo-{preset}.png"))
        colours, drawn = non_blank(png)
        assert colours > 50 and drawn > 0.05, (colours, drawn)
    finally:
        v.close()


def test_hover_shows_the_measured_figure(browser, demo_run):
    """A real mouse over a district of the coverage map shows its name and share in the tooltip."""
    out, _ = demo_run
    v = Visit(browser)
    try:
        v.open(out / "maps" / "coverage.html")
        found = v.page.evaluate(LAYERS_JS)
        xy = v.page.evaluate(f"""() => {{
            const m = window['{found['map']}'];
            for (const k of {found['layers']}) {{
              let hit = null;
              window[k].eachLayer(l => {{ if (!hit && l.feature.properties.name === '莱阳市') hit = l; }});
              if (hit) {{ const p = m.latLngToContainerPoint(hit.getCenter()); return [p.x, p.y]; }}
            }}
        }}""")
        v.page.mouse.move(*xy)
        v.page.wait_for_timeout(300)
        tip = v.page.locator(".leaflet-tooltip").inner_text()
        assert "莱阳市" in tip and "覆盖率" in tip and "%" in tip
    finally:
        v.close()


def xss_atlas() -> ecozone.Atlas:
    districts = gpd.GeoDataFrame(
        {"id": ["A", "B", "C"], "name": XSS},
        geometry=[box(121.0, 37.0, 121.1, 37.1), box(121.1, 37.0, 121.2, 37.1), box(121.2, 37.0, 121.3, 37.1)], crs=4326)
    mines = gpd.GeoDataFrame(
        {"id": XSS, "name": XSS, "status": ["historic"] * 3, "restoration": ["untreated", "restored", "in_progress"],
         "mineral": XSS},
        geometry=[Point(121.05, 37.05), Point(121.15, 37.05), Point(121.25, 37.05)], crs=4326)
    return ecozone.Atlas.from_frames({"districts": (districts, "district"), "mines": (mines, "mine")})


def test_attribute_text_runs_nothing(browser, tmp_path):
    preset = tmp_path / "xss.toml"
    preset.write_text(
        "title = '''<img src=x onerror=alert(1)> 标题'''\n"
        "[[layers]]\nsource = 'district'\nlabel = '''</script><script>alert(1)</script>'''\n"
        "color_by = 'name'\ntooltip = ['name']\npopup = ['id', 'name']\n"
        "[layers.classes]\n" + "".join(f"'{x}' = '#{c}'\n" for x, c in zip(XSS, ("e53935", "43a047", "1e88e5")))
        + "[[layers]]\nsource = 'mine'\ntooltip = ['name', 'mineral']\npopup = ['id', 'name', 'mineral']\n",
        "utf-8")
    path = write_map(render_map(preset, xss_atlas(), offline=True), tmp_path / "xss.html")
    v = Visit(browser)
    try:
        v.open(path)
        found = v.page.evaluate(LAYERS_JS)
        # the user's path: hover each district
        m = found["map"]
        centres = v.page.evaluate(f"""() => {{
            const out = [];
            for (const k of {found['layers']}) window[k].eachLayer(l => {{
              if (l.getCenter) {{ const p = window['{m}'].latLngToContainerPoint(l.getCenter()); out.push([p.x, p.y]); }}
            }});
            return out;
        }}""")
        tips = []
        for x, y in centres:
            v.page.mouse.move(x, y + 20)
            v.page.wait_for_timeout(150)
            tips.append(v.page.locator(".leaflet-tooltip").last.inner_text())
        # and every tooltip and popup opened from script
        # and every feature's tooltip and popup, through the events the map listens to
        n = v.page.evaluate(f"() => {{ let n = 0; for (const k of {found['layers']}) window[k].eachLayer(l => n++); return n; }}")
        popups = []
        for i in range(n):
            for event in ("mouseover", "click"):
                v.page.evaluate(f"""() => {{
                    const all = []; for (const k of {found['layers']}) window[k].eachLayer(l => all.push(l));
                    const l = all[{i}];
                    l.fire('{event}', {{latlng: l.getCenter ? l.getCenter() : l.getLatLng()}}, true);
                }}""")
                v.page.wait_for_timeout(50)
            tips.append(v.page.locator(".leaflet-tooltip").last.inner_text())
            popups.append(v.page.locator(".leaflet-popup-content").last.inner_text())
        assert len(popups) == 6
        v.page.wait_for_timeout(300)
        assert v.dialogs == [] and v.page.evaluate("() => window.__pwned === undefined")
        assert v.page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        legend = v.page.locator(".ecozone-legend").inner_text()
        control = v.page.locator(".leaflet-control-layers-overlays").inner_text()
        title = v.page.locator(".ecozone-title").inner_text()
        text = "\n".join(tips + popups)
        for payload in XSS:
            assert payload in text, payload  # shown as the characters they are
            assert payload in legend, payload
        assert XSS[1] in control and XSS[0] in title
        assert v.errors == [] and v.requests == [path.resolve().as_uri()]
    finally:
        v.close()


def test_amap_draws_at_the_gcj02_position_and_exports_stay_wgs84(browser, tmp_path):
    eviltransform = pytest.importorskip("eviltransform")
    lon, lat = 121.4, 37.5
    mines = gpd.GeoDataFrame({"id": ["M1"], "name": ["测试矿山"], "status": ["historic"], "restoration": ["untreated"]},
                             geometry=[Point(lon, lat)], crs=4326)
    districts = gpd.GeoDataFrame({"id": ["D"], "name": ["甲区"]}, geometry=[box(121.3, 37.4, 121.5, 37.6)], crs=4326)
    atlas = ecozone.Atlas.from_frames({"districts": (districts, "district"), "mines": (mines, "mine")})
    path = write_map(render_map("overview", atlas, basemap="amap", offline=True), tmp_path / "amap.html")
    v = Visit(browser, tiles=PNG_1PX)
    try:
        v.open(path)
        found = v.page.evaluate(LAYERS_JS)
        drawn = v.page.evaluate(f"""() => {{
            const m = window['{found['map']}'];
            for (const k of {found['layers']}) {{
              let got = null;
              window[k].eachLayer(l => {{ if (l.getLatLng) got = l; }});
              if (got) {{
                const ll = got.getLatLng(), p = m.latLngToContainerPoint(ll), w = m.latLngToContainerPoint([{lat}, {lon}]);
                return {{lat: ll.lat, lng: ll.lng, px: [p.x, p.y], wgs_px: [w.x, w.y]}};
              }}
            }}
        }}""")
        glat, glon = eviltransform.wgs2gcj(lat, lon)
        assert drawn["lat"] == pytest.approx(glat, abs=1e-6) and drawn["lng"] == pytest.approx(glon, abs=1e-6)
        _, _, metres = Geod(ellps="WGS84").inv(lon, lat, drawn["lng"], drawn["lat"])
        assert 300 < metres < 800  # the GCJ-02 offset near Yantai
        shift_px = np.hypot(*(np.subtract(drawn["px"], drawn["wgs_px"])))
        assert shift_px > 3  # drawn visibly away from the WGS84 position at the fitted zoom
        # only tile requests left the page, all to the AMap tile servers
        remote = [u for u in v.requests if not u.startswith("file:")]
        assert remote and all("autonavi.com/appmaptile" in u for u in remote)
        assert v.errors == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        v.page.screenshot(path=str(ARTIFACTS / "amap-offset.png"))
    finally:
        v.close()
    # the atlas, and the files exported from it, stay unshifted
    ecozone.export(atlas, tmp_path / "mines.geojson", layers=["mines"])
    back = gpd.read_file(tmp_path / "mines.geojson")
    assert back.geometry.iloc[0].x == pytest.approx(lon, abs=1e-7) and back.geometry.iloc[0].y == pytest.approx(lat, abs=1e-7)
