"""ecozone.maps and ``ecozone map``: what the HTML embeds, checked without a browser.

Figures in tooltips are compared with direct shapely computations on the
layer files; the GCJ-02 display shift with the independent eviltransform
package.  tests/test_maps_browser.py opens the maps in Chromium.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import warnings
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

import ecozone
from ecozone._resources import dataset_dir
from ecozone.errors import ConfigError, InputError
from ecozone.maps import MapSizeWarning, load_preset, map_html, preset_names, render_map, write_map

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>alert(1)</script>"


def layers_of(m: folium.Map) -> dict[str, dict]:
    """The map's GeoJSON layers: layer-control name -> FeatureCollection."""
    return {child.layer_name: child.data for child in m._children.values() if isinstance(child, folium.GeoJson)}


def page(m_or_html) -> str:
    """The page's text with the JSON escapes (\\uXXXX) of embedded strings decoded, to search for labels."""
    text = m_or_html if isinstance(m_or_html, str) else map_html(m_or_html)
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), text)


#: an element that would load something from the network
REMOTE = r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""


def number(s: str) -> float:
    return float(s.replace(",", "").replace("%", "").strip())


def coords(fc: dict) -> np.ndarray:
    geoms = shapely.from_geojson([__import__("json").dumps(f["geometry"]) for f in fc["features"]])
    return shapely.get_coordinates(geoms)


def test_presets_ship_the_four_maps():
    assert set(preset_names()) >= {"overview", "coastline", "coverage", "conflicts"}
    for name in preset_names():
        preset = load_preset(name)
        assert preset.title["zh"] and preset.title["en"] and preset.layers


def test_overview_layers_tooltips_and_areas(demo_atlas):
    m = render_map("overview", demo_atlas)
    got = layers_of(m)
    assert list(got) == ["区县", "生态保护红线", "美丽海湾", "河湖缓冲带", "河湖", "矿山(按治理状态)", "海洋牧场", "生态修复项目"]
    assert m.ecozone_notes == []
    # district areas in the tooltips against shapely on the file, in the atlas's CRS
    d = gpd.read_file(dataset_dir("yantai") / "districts.geojson").to_crs(4549)
    oracle = dict(zip(d["name"], d.area / 1e4))
    shown = {f["properties"]["name"]: number(f["properties"]["area_ha"]) for f in got["区县"]["features"]}
    assert shown.keys() == oracle.keys()
    for name, ha in shown.items():
        assert ha == pytest.approx(oracle[name], abs=0.06), name
    # mines coloured by restoration status: labels in Chinese, one style per class
    mines = got["矿山(按治理状态)"]["features"]
    assert {f["properties"]["restoration"] for f in mines} == {"未治理", "治理中", "已治理"}
    raw = gpd.read_file(dataset_dir("yantai") / "mines.geojson")
    assert len(mines) == len(raw)


def test_only_shown_fields_and_six_decimals(demo_atlas):
    m = render_map("overview", demo_atlas)
    preset = load_preset("overview")
    for spec, (name, fc) in zip(preset.layers, layers_of(m).items()):
        allowed = set(spec.get("tooltip", ["name"])) | set(spec.get("popup", [])) | {"_k"}
        for f in fc["features"]:
            assert set(f["properties"]) <= allowed, (name, set(f["properties"]) - allowed)
        c = coords(fc)
        assert np.allclose(c, np.round(c, 6), rtol=0, atol=1e-12), name
        assert (c[:, 0] > 119).all() and (c[:, 0] < 123).all() and (c[:, 1] > 36).all() and (c[:, 1] < 39).all()


def test_district_mosaic_stays_a_mosaic(demo_atlas):
    """Coverage simplification keeps shared borders shared: no overlaps between neighbours,
    where simplifying each district alone makes them (the reason it is used)."""
    m = render_map("overview", demo_atlas)
    fc = layers_of(m)["区县"]
    shown = gpd.GeoSeries(shapely.from_geojson([__import__("json").dumps(f["geometry"]) for f in fc["features"]]), crs=4326).to_crs(4549)
    alone = gpd.GeoSeries(shapely.simplify(demo_atlas["districts"].geometry.values, 20, preserve_topology=True), crs=4549)

    def overlap_ha(s):
        return sum(a.intersection(b).area for a, b in itertools.combinations(s.make_valid(), 2)) / 1e4

    assert overlap_ha(shown) < 0.01
    assert overlap_ha(alone) > 1.0
    # and simplification shrank the vertex count
    assert len(coords(fc)) < len(shapely.get_coordinates(demo_atlas["districts"].geometry.values))


def test_coverage_choropleth_against_shapely(demo_atlas):
    m = render_map("coverage", demo_atlas)
    fc = layers_of(m)["红线覆盖率"]
    d = gpd.read_file(dataset_dir("yantai") / "districts.geojson").to_crs(4549)
    red = gpd.read_file(dataset_dir("yantai") / "redline_land.geojson").to_crs(4549).geometry.make_valid().union_all()
    oracle = {n: g.intersection(red).area / g.area * 100 for n, g in zip(d["name"], d.geometry.make_valid())}
    bins = [0, 2, 5, 10, 20, 100]
    colors = load_preset("coverage").layers[0]["colors"]
    styles = {}
    for f in fc["features"]:
        name, share = f["properties"]["name"], number(f["properties"]["covered_share"])
        assert share == pytest.approx(oracle[name], abs=0.051), name
        # the class drawn is the one the oracle's share falls in
        k = int(f["properties"]["_k"][1:])
        assert bins[k] <= round(oracle[name], 6) < bins[k + 1] or (k == len(colors) - 1)
        styles[k] = True
    html = page(m)
    for lo, hi in zip(bins[:-1], bins[1:]):
        assert f"{lo:g} % – {hi:g} %" in html  # the legend's classes


def test_retention_in_tooltips_is_the_hand_figure():
    """Two districts, coastline of known lengths: 3 of 4 km natural → 75.0 %, 1 of 4 km → 25.0 %."""
    crs = 4549
    x0, y0 = 500000, 4150000
    districts = gpd.GeoDataFrame({"id": ["A", "B"], "name": ["甲区", "乙区"]},
                                 geometry=[box(x0, y0, x0 + 4000, y0 + 3000), box(x0 + 4000, y0, x0 + 8000, y0 + 3000)], crs=crs)
    y = y0 + 3000
    segs = [(x0, x0 + 3000, "sandy"), (x0 + 3000, x0 + 4000, "artificial"),
            (x0 + 4000, x0 + 5000, "bedrock"), (x0 + 5000, x0 + 8000, "artificial")]
    coast = gpd.GeoDataFrame({"id": [f"C{i}" for i in range(4)], "class": [s[2] for s in segs]},
                             geometry=[LineString([(a, y), (b, y)]) for a, b, _ in segs], crs=crs)
    atlas = ecozone.Atlas.from_frames({"districts": (districts, "district"), "coastline": (coast, "coastline")}, crs=crs)
    m = render_map("coastline", atlas, lang="en")
    got = layers_of(m)
    by = {f["properties"]["name"]: f["properties"] for f in got["Districts (retention)"]["features"]}
    assert by["甲区"]["retention"] == "75.0 %" and by["乙区"]["retention"] == "25.0 %"
    assert number(by["甲区"]["total_km"]) == pytest.approx(4.0) and number(by["乙区"]["natural_km"]) == pytest.approx(1.0)
    lines = got["Coastline by class"]["features"]
    assert sorted(f["properties"]["class"] for f in lines) == ["artificial shoreline"] * 2 + ["bedrock shoreline", "sandy shoreline"]
    assert any("Bays" in n for n in m.ecozone_notes)  # no bay layer: left out, said


def test_conflicts_map_shows_every_finding(demo_atlas):
    found = ecozone.atlas_conflicts(demo_atlas)
    m = render_map("conflicts", demo_atlas)
    fc = layers_of(m)["冲突问题"]
    polys = [f for f in fc["features"] if f["geometry"]["type"] != "Point"]
    rings = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    keys = found.drop_duplicates(["feature_layer", "feature_id"])
    assert len(polys) == len(rings) == len(keys)
    worst = {"violation": "违规", "warning": "需关注", "info": "信息"}
    for f in polys:
        rows = found[found["feature_id"] == f["properties"]["id"]]
        top = min(rows["severity"], key=list(worst).index)
        assert f["properties"]["severity"] == worst[top]
    # findings given explicitly (an audit's) replace the atlas's own
    only = found[found["severity"] == "violation"]
    m2 = render_map("conflicts", demo_atlas, findings=only)
    assert len(layers_of(m2)["冲突问题"]["features"]) == 2 * only.drop_duplicates(["feature_layer", "feature_id"]).shape[0]


def test_amap_shifts_display_copies_only(demo_atlas):
    eviltransform = pytest.importorskip("eviltransform")
    before = demo_atlas["districts"].geometry.copy()
    plain = coords(layers_of(render_map("coverage", demo_atlas))["红线覆盖率"])
    m = render_map("coverage", demo_atlas, basemap="amap")
    shifted = coords(layers_of(m)["红线覆盖率"])
    assert m.ecozone_shift == "gcj02"
    expect = np.array([eviltransform.wgs2gcj(lat, lon)[::-1] for lon, lat in plain[::97]])
    assert np.abs(shifted[::97] - expect).max() < 2e-6  # rounding to 6 decimals on both sides
    d = np.abs(shifted - plain)
    assert d.max() > 0.003  # hundreds of metres: the GCJ-02 offset, not noise
    assert demo_atlas["districts"].geometry.equals(before)  # the atlas itself is untouched
    html = page(m)
    assert "autonavi" in html and "GS(2021)6375号" in html


def test_offline_page_references_nothing_outside(demo_atlas):
    html = map_html(render_map("overview", demo_atlas, offline=True))
    assert not re.findall(REMOTE, html)
    assert not re.findall(r"url\((?!data:|#)", html)
    assert "sourceMappingURL" not in html and "Leaflet 1.9.4" in html
    online = map_html(render_map("overview", demo_atlas))
    assert "leaflet@1.9.4/dist/leaflet.js" in online
    for lib in ("jquery", "bootstrap", "font-awesome", "awesome-markers"):
        assert lib not in html.lower() and lib not in online.lower()


def test_attribute_text_is_escaped_in_the_html():
    districts = gpd.GeoDataFrame({"id": ["A", "B"], "name": [XSS_IMG, XSS_SCRIPT]},
                                 geometry=[box(121.0, 37.0, 121.1, 37.1), box(121.1, 37.0, 121.2, 37.1)], crs=4326)
    atlas = ecozone.Atlas.from_frames({"districts": (districts, "district")})
    html = map_html(render_map("overview", atlas))
    assert XSS_IMG not in html and XSS_SCRIPT not in html and "<script>alert" not in html


def test_basemaps_and_keys(demo_atlas, monkeypatch):
    monkeypatch.delenv("ECOZONE_TIANDITU_KEY", raising=False)
    with pytest.raises(InputError, match="ECOZONE_TIANDITU_KEY"):
        render_map("coverage", demo_atlas, basemap="tianditu")
    html = page(render_map("coverage", demo_atlas, basemap="tianditu", tianditu_key="k123"))
    assert "tk=k123" in html and "LAYER=vec" in html and "LAYER=cva" in html and "GS(2025)1508号" in html
    monkeypatch.setenv("ECOZONE_TIANDITU_KEY", "env456")
    assert "tk=env456" in page(render_map("coverage", demo_atlas, basemap="tianditu"))
    html = page(render_map("coverage", demo_atlas, basemap="http://10.0.0.5/tiles/{z}/{x}/{y}.png"))
    assert "http://10.0.0.5/tiles/{z}/{x}/{y}.png" in html
    for bad in ("http://x/{z}/{x}.png", "bing"):
        with pytest.raises(InputError, match="basemap"):
            render_map("coverage", demo_atlas, basemap=bad)


def test_size_warning_names_the_fix(demo_atlas, tmp_path):
    m = render_map("coverage", demo_atlas)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = write_map(m, tmp_path / "c.html", size_limit_mb=0.1)
    msg = [str(w.message) for w in caught if issubclass(w.category, MapSizeWarning)]
    assert len(msg) == 1 and "simplify_m" in msg[0] and "MB" in msg[0]
    assert path.stat().st_size > 0.1e6  # written all the same


def test_bad_presets_are_one_line_errors(tmp_path, demo_atlas):
    cases = {
        "title = 'x'\n": "no [[layers]]",
        "[[layers]]\nsource = 'volcano'\n": "source 'volcano' unknown",
        "[[layers]]\nsource = 'district'\ncolour = 'red'\n": "unknown key 'colour'",
        "[[layers]]\nsource = 'coverage'\nvalue = 'covered_share'\nbins = [0, 1]\ncolors = ['#fff', '#000']\n": "one colour per bin",
        "[[layers]\n": "not valid TOML",
    }
    for text, expect in cases.items():
        p = tmp_path / "p.toml"
        p.write_text(text, "utf-8")
        with pytest.raises(ConfigError, match=re.escape(expect)):
            render_map(p, demo_atlas)
    with pytest.raises(ConfigError, match="no map preset 'nope'"):
        load_preset("nope")


def test_atlas_map_method(demo_atlas):
    m = demo_atlas.map("coverage", lang="en")
    assert isinstance(m, folium.Map) and "Red-line coverage" in layers_of(m)
    assert "<iframe" in m._repr_html_()  # Jupyter shows it inline


def test_atlas_map_without_importing_the_maps_first():
    """The atlas does not import the maps (they import it): Atlas.map finds render_map through
    ecozone._renderers, which loads ecozone.maps only when a map is asked for."""
    code = ("import sys, ecozone.atlas\n"
            "assert 'ecozone.maps' not in sys.modules\n"
            "from ecozone._renderers import renderer\n"
            "import ecozone.maps\n"
            "assert renderer('map') is ecozone.maps.render_map\n"
            "assert ecozone.maps.__file__.endswith('__init__.py')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    fresh = ("import sys, ecozone.atlas\n"
             "from ecozone._renderers import renderer\n"
             "assert renderer('map').__module__ == 'ecozone.maps.render' and 'ecozone.maps' in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", fresh], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def ecozone_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecozone", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_map(tmp_path):
    data = dataset_dir("yantai")
    r = ecozone_cli("map", "coverage", "--atlas", str(data), "--offline", "--lang", "en", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "coverage.html"
    assert out.exists() and "wrote" in r.stdout and "offline" in r.stdout
    first = out.read_bytes()
    # exists: refused without --overwrite, the file untouched
    r = ecozone_cli("map", "coverage", "--atlas", str(data), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--overwrite" in r.stderr
    assert out.read_bytes() == first
    for args, expect in (
        (["map", "overview"], "--atlas DIR or --config FILE"),
        (["map", "nope", "--atlas", str(data)], "no map preset 'nope'"),
        (["map", "overview", "--atlas", str(data), "--basemap", "tianditu", "-o", "t.html"], "ECOZONE_TIANDITU_KEY"),
        (["map", "overview", "--atlas", str(tmp_path / "missing")], "missing"),
    ):
        r = subprocess.run([sys.executable, "-m", "ecozone", *args], capture_output=True, text=True, cwd=tmp_path,
                           timeout=300, env={k: v for k, v in __import__("os").environ.items() if k != "ECOZONE_TIANDITU_KEY"})
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.count("\n") == 1 and expect in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "t.html").exists() and not (tmp_path / "overview.html").exists()


def test_cli_map_from_an_audit_config_and_an_earlier_survey(tmp_path):
    data = dataset_dir("yantai")
    r = ecozone_cli("map", "conflicts", "--config", str(data / "audit.toml"), "-o", str(tmp_path / "c.html"))
    assert r.returncode == 0, r.stderr
    # an earlier survey with two segments of another class: the coastline map draws their change
    coast = gpd.read_file(data / "coastline.geojson")
    natural = coast.index[coast["class"].isin(["sandy", "bedrock"])][:2]
    coast.loc[natural, "class"] = "artificial"
    coast.to_file(tmp_path / "earlier.geojson")
    r = ecozone_cli("map", "coastline", "--atlas", str(data), "--earlier", str(tmp_path / "earlier.geojson"),
                    "-o", str(tmp_path / "k.html"))
    assert r.returncode == 0, r.stderr
    assert "岸线类型变化" in page((tmp_path / "k.html").read_text("utf-8")) and "left out" not in r.stderr


def test_demo_writes_four_offline_maps(demo_run):
    out, report = demo_run
    assert sorted(report["maps"]) == ["maps/coastline.html", "maps/conflicts.html", "maps/coverage.html", "maps/overview.html"]
    overview = (out / "maps" / "overview.html")
    assert overview.stat().st_size < 5e6
    html = overview.read_text("utf-8")
    assert "Leaflet 1.9.4" in html and not re.findall(REMOTE, html)
    assert "示意图层" in page(html)
    assert "岸线类型变化(模拟调查)" in page((out / "maps" / "coastline.html").read_text("utf-8"))  # the demo's survey is made up  # the attribution marks illustrative layers


BAD_PRESETS = {
    "[[layers]]\nsource = 'mine'\ncolor_by = 'restoration'\nclasses = ['red', 'green']\n": "classes = ['red', 'green']",
    "[view]\ncenter = 'yantai'\nzoom = 9\n[[layers]]\nsource = 'district'\n": "center = [lon, lat]",
    "[view]\ncenter = [121.4]\nzoom = 9\n[[layers]]\nsource = 'district'\n": "center = [lon, lat]",
    "[view]\ncenter = [37.5, 121.4]\nzoom = 9\n[[layers]]\nsource = 'district'\n": "center lat = 121.4",
    "[view]\ncenter = [121.4, 37.5]\nzoom = 'nine'\n[[layers]]\nsource = 'district'\n": "zoom = 'nine'",
    "[view]\ncentre = [121.4, 37.5]\n[[layers]]\nsource = 'district'\n": "[view] keys",
    "view = 5\n[[layers]]\nsource = 'district'\n": "view = 5",
    "[[layers]]\nsource = 'district'\nstyle = { weight = 'thick' }\n": "style.weight = 'thick'",
    "[[layers]]\nsource = 'district'\nstyle = 'red'\n": "style = 'red'",
    "[[layers]]\nsource = 'district'\nstyle = { color = 'red;background:url(http://x/a.png)' }\n": "style.color",
    "[[layers]]\nsource = 'mine'\ncolor_by = 'restoration'\nclasses = { untreated = 5 }\n": "classes.untreated = 5",
    "[[layers]]\nsource = 'mine'\ncolor_by = 'restoration'\n": "color_by and classes go together",
    "[[layers]]\nsource = 'mine'\ncolor_by = 'restoration'\nclasses = { untreated = 'red' }\nclass_labels = 'x'\n": "class_labels = 'x'",
    "[[layers]]\nsource = 'coverage'\nvalue = 'covered_share'\nbins = [0, nan, 1]\ncolors = ['#fff', '#000']\n": "bins = [0, nan, 1]",
    "[[layers]]\nsource = 'district'\nshow = 'no'\n": "show = 'no'",
    "[[layers]]\nsource = 'district'\ntooltip = 'name'\n": "tooltip = 'name'",
    "[[layers]]\nsource = 'district'\ntooltip = ['geometry']\n": "not \"geometry\"",
    "[[layers]]\nsource = 'coverage'\nrealm = 'sky'\n": "realm = 'sky'",
    "[[layers]]\nsource = 'coverage'\nof = 'nonsense'\n": "of = 'nonsense'",
    "[[layers]]\nsource = 'district'\nlabel = 5\n": "label = 5",
    "title = 5\n[[layers]]\nsource = 'district'\n": "title = 5",
    "simplify_m = inf\n[[layers]]\nsource = 'district'\n": "simplify_m = inf",
    "simplify_m = true\n[[layers]]\nsource = 'district'\n": "simplify_m = True",
}


@pytest.mark.parametrize("text", list(BAD_PRESETS))
def test_preset_values_are_checked(tmp_path, text):
    p = tmp_path / "bad.toml"
    p.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_preset(p)
    message = str(err.value)
    assert BAD_PRESETS[text] in message and str(p) in message and "; fix: " in message and "\n" not in message


def test_preset_encodings_and_paths(tmp_path):
    good = "title = '标题'\n[[layers]]\nsource = 'district'\n"
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + good.encode("utf-8"))
    assert load_preset(tmp_path / "bom.toml").title["zh"] == "标题"
    (tmp_path / "UPPER.TOML").write_text(good, "utf-8")
    assert load_preset(str(tmp_path / "UPPER.TOML")).name == "UPPER"
    (tmp_path / "gbk.toml").write_bytes(good.encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_preset(tmp_path / "gbk.toml")
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        load_preset(tmp_path / "dir.toml")


def test_names_that_are_numbers_or_repeated():
    x0, y0 = 500000, 4150000
    districts = gpd.GeoDataFrame({"id": ["A", "B"], "name": [1, 2]},
                                 geometry=[box(x0, y0, x0 + 4000, y0 + 3000), box(x0 + 4000, y0, x0 + 8000, y0 + 3000)], crs=4549)
    red = gpd.GeoDataFrame({"id": ["R"], "type": ["biodiversity"], "realm": ["land"]},
                           geometry=[box(x0, y0, x0 + 2000, y0 + 3000)], crs=4549)
    atlas = ecozone.Atlas.from_frames({"districts": (districts, "district"), "red": (red, "redline")}, crs=4549)
    shares = {f["properties"]["name"]: f["properties"]["covered_share"]
              for f in layers_of(render_map("coverage", atlas, lang="en"))["Red-line coverage"]["features"]}
    assert shares == {"1": "50.0 %", "2": "0.0 %"}  # half of district 1 (box areas), none of 2
    districts["name"] = ["甲区", "甲区"]
    atlas = ecozone.Atlas.from_frames({"districts": (districts, "district"), "red": (red, "redline")}, crs=4549)
    with pytest.raises(InputError, match="'甲区' is used by more than one feature"):
        render_map("coverage", atlas)


def test_python_api_guards(demo_atlas, tmp_path):
    with pytest.raises(ConfigError, match="nope"):
        ecozone.maps.write_maps(demo_atlas, tmp_path / "m", presets=["coverage", "nope"])
    assert not (tmp_path / "m").exists()  # nothing written before every preset was checked
    with pytest.raises(TypeError, match="Atlas"):
        render_map("overview", demo_atlas["districts"])
    with pytest.raises(InputError, match="basemap"):
        render_map("overview", demo_atlas, basemap=5)
    m = render_map("conflicts", demo_atlas, findings=__import__("pandas").DataFrame())
    assert any("冲突问题" in n and "no findings" in n for n in m.ecozone_notes)
    for bad in ("c.png", "folder"):
        (tmp_path / "folder").mkdir(exist_ok=True)
        with pytest.raises(InputError):
            write_map(m, tmp_path / bad)


def test_cli_output_may_not_be_an_input(tmp_path):
    import shutil

    data = tmp_path / "yt"
    shutil.copytree(dataset_dir("yantai"), data)
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    preset = tmp_path / "mine.toml"
    preset.write_text("[[layers]]\nsource = 'district'\n", "utf-8")
    for args in (["overview", "--atlas", str(data), "-o", str(data / "mines.geojson")],
                 ["overview", "--atlas", str(data), "-o", str(data / "manifest.toml")],
                 ["overview", "--config", str(data / "audit.toml"), "-o", str(data / "redline_land_2020.geojson")],
                 [str(preset), "--atlas", str(data), "-o", str(preset)]):
        r = ecozone_cli("map", *args, "--overwrite")
        assert r.returncode == 2 and "is also an input" in r.stderr and r.stderr.count("\n") == 1, (args, r.stderr)
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before
    assert preset.read_text("utf-8").startswith("[[layers]]")


def test_cli_usage_errors_are_one_line(tmp_path):
    for args in (["map", "overview", "--atlas", str(dataset_dir("yantai")), "--lang", "fr"],
                 ["map", "overview", "--atlas", str(dataset_dir("yantai")), "-o", str(tmp_path)],
                 ["no-such-command"]):
        r = ecozone_cli(*args, cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.startswith("ecozone: error: ") and r.stderr.count("\n") == 1, r.stderr
        assert "; fix: see ecozone" in r.stderr


def test_earlier_survey_in_the_wrong_crs_is_refused(tmp_path):
    data = dataset_dir("yantai")
    wrong = gpd.read_file(data / "coastline.geojson").to_crs(4549).set_crs(4326, allow_override=True)
    wrong.to_file(tmp_path / "wrong.geojson")
    r = ecozone_cli("map", "coastline", "--atlas", str(data), "--earlier", str(tmp_path / "wrong.geojson"), "-o", str(tmp_path / "k.html"))
    assert r.returncode == 2 and "look projected" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "k.html").exists()
