"""Hostile text in every field that reaches a map (issue 16): shown as the characters it is, never run.

folium renders each element's output again as a Jinja2 template, so text from a file must
never become template source: ``{{7*7}}`` must not show 49 and ``{{ lipsum.__globals__.os.popen(…) }}``
must not run a shell command.  Data inside a ``<script>`` must not close it (``</script>``) or open
an HTML comment (``<!--``); markup must stay text (``<img src=x onerror=…>``).

One hostile atlas (the demo's manifest folder copied, every name, title, source and licence
replaced by payloads) and one hostile preset are rendered once for the module: the four shipped
presets and the hostile one.  The pages are checked as text (here) and in headless Chromium
(``browser`` marker; skipped only when Chromium is missing and CI is unset).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tomllib
from pathlib import Path
from urllib.parse import quote

import pytest

import ecozone
from ecozone._resources import dataset_dir
from ecozone.maps import load_preset, map_html, render_map, write_map

SHIPPED = ["overview", "coastline", "coverage", "conflicts"]
SEVEN = "{{7*7}}"
IF_X = "{% if true %}X{% endif %}"
BREAKOUT = "</script><script>window.__pwned=1</script>"
COMMENT = "<!--"
IMG = "<img src=x onerror=alert(1)>"
#: layers whose features are renamed; each feature gets one payload, in turn
NAMED = ["districts", "coastline", "redline_land", "redline_marine", "bays", "rivers", "mines", "marine_ranches",
         "restoration", "projects", "transport", "sensitive_areas", "wind_farms"]
#: what each shipped preset shows of those layers (tooltips), besides the districts every map shows
SHOWN = {
    "overview": ["districts", "redline_land", "redline_marine", "bays", "rivers", "mines", "marine_ranches", "restoration"],
    "coastline": ["districts", "bays", "coastline"],
    "coverage": ["districts", "redline_land"],
    "conflicts": ["districts", "redline_land", "redline_marine", "wind_farms", "mines", "marine_ranches", "projects"],
}


def shell(marker_dir: Path, tag: str) -> str:
    """A payload that creates ``marker_dir/pwned-TAG`` if the text is ever evaluated as a template."""
    return "{{ lipsum.__globals__.os.popen('touch " + str(marker_dir / f"pwned-{tag}") + "').read() }}"


def shell_unquoted(marker_dir: Path, tag: str) -> str:
    """The same with no quote, ``<``, ``>`` or ``&``: HTML escaping and ``|tojson`` leave it as it is
    (the quoted one, escaped, is a template syntax error instead: a crash, not a command)."""
    command = list(f"touch {marker_dir / f'pwned-{tag}-unquoted'}".encode())
    return "{{ lipsum.__globals__.os.popen(lipsum.__globals__.__builtins__.bytes(" + str(command).replace(" ", "") + ").decode()).read() }}"


def payloads(marker_dir: Path, tag: str) -> list[str]:
    return [SEVEN, IF_X, shell(marker_dir, tag), shell_unquoted(marker_dir, tag), BREAKOUT, COMMENT, IMG]


def joined(marker_dir: Path, tag: str) -> str:
    """Every payload in one string, for a field that holds one text (a title, a label, a credit)."""
    return f"[{tag}] " + " ".join(payloads(marker_dir, tag))


def evaluated(s: str) -> str:
    """What ``s`` would show if ``{{7*7}}`` and ``{% if … %}`` in it were rendered (the shell payload: its marker file)."""
    return s.replace(SEVEN, "49").replace(IF_X, "X")


def toml(value) -> str:
    """A TOML value (strings as JSON strings, which TOML reads the same)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml(v)}" for k, v in value.items()) + " }"


def shown_text(page: str) -> str:
    """The page as a reader sees its strings: JSON escapes (\\uXXXX) decoded, then HTML character references."""
    return html.unescape(re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), page))


class Hostile:
    """The hostile atlas folder (a copy of the demo's, payloads in its names, titles, sources and
    licences), the hostile preset, and what each page must show."""

    def __init__(self, root: Path):
        self.root, self.markers = root, root / "markers"
        self.markers.mkdir()
        self.data = root / "atlas"
        shutil.copytree(dataset_dir("yantai"), self.data, ignore=shutil.ignore_patterns("*.py", "audit.toml"))
        self.names: dict[str, list[str]] = {}
        self.mine_values = [f"{p}~矿种" for p in payloads(self.markers, "mineral")]
        self.column = joined(self.markers, "column")  # a column name from a file, shown as a field label
        for layer in NAMED:
            path = self.data / f"{layer}.geojson"
            doc = json.loads(path.read_text("utf-8"))
            if layer == "coastline":  # every 4th segment: measuring retention is most of a coastline map's time
                doc["features"] = doc["features"][::4]
            hostile = payloads(self.markers, f"name-{layer}")
            for i, feature in enumerate(doc["features"]):
                p = feature["properties"]
                p["name"] = f"{hostile[i % len(hostile)]}·{p.get('name') or p['id']}"
                if layer == "mines":
                    p["mineral"] = f"{self.mine_values[i % len(self.mine_values)]}"
                    p[self.column] = joined(self.markers, f"value-{i}")
            self.names[layer] = [f["properties"]["name"] for f in doc["features"]]
            path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
        self.column_values = [joined(self.markers, f"value-{i}") for i in range(len(self.names["mines"]))]

        manifest = tomllib.loads((self.data / "manifest.toml").read_text("utf-8"))
        manifest.pop("credits")  # without credits, the credit line names every layer's source
        self.title = manifest["title"] = joined(self.markers, "manifest-title")
        self.credits: list[str] = []
        for section in ("layers", "rasters"):
            for lname, entry in manifest.get(section, {}).items():
                entry["title"] = joined(self.markers, f"title-{lname}")
                entry["source"] = joined(self.markers, f"source-{lname}")
                entry["licence"] = joined(self.markers, f"licence-{lname}")
                if section == "layers":
                    self.credits.append(entry["source"])
                    if entry.get("illustrative"):
                        self.credits.append(entry["title"])
        lines = [f"{k} = {toml(v)}" for k, v in manifest.items() if k not in ("layers", "rasters")]
        for section in ("layers", "rasters"):
            for lname, entry in manifest.get(section, {}).items():
                lines.append(f"\n[{section}.{lname}]")
                lines += [f"{k} = {toml(v)}" for k, v in entry.items()]
        (self.data / "manifest.toml").write_text("\n".join(lines) + "\n", "utf-8")

        # the preset: its title, labels, legend titles and class labels, and classes named by file text
        t = lambda tag: joined(self.markers, tag)  # noqa: E731
        self.preset_texts = {"title": t("preset-title"), "district": t("label-district"), "coverage": t("label-coverage"),
                             "mine": t("label-mine"), "mineral": t("label-mineral"),
                             **{c: t(f"class-{c}") for c in ("untreated", "in_progress", "restored")}}
        pt = self.preset_texts
        colours = ["#c62828", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#00838f", "#5d4037"]
        layers = [
            {"source": "district", "label": pt["district"], "tooltip": ["name"], "popup": ["id", "name"]},
            {"source": "coverage", "label": pt["coverage"], "value": "covered_share", "bins": [0, 0.05, 1],
             "colors": ["#eeeeee", "#2e7d32"], "tooltip": ["name", "covered_share"]},
            {"source": "mine", "label": pt["mine"], "color_by": "restoration",
             "classes": {"untreated": "#c62828", "in_progress": "#f9a825", "restored": "#2e7d32"},
             "class_labels": {c: pt[c] for c in ("untreated", "in_progress", "restored")},
             "tooltip": ["name", "restoration", self.column], "popup": ["id", "name", "mineral", self.column]},
            {"source": "mine", "label": pt["mineral"], "color_by": "mineral",
             "classes": dict(zip(self.mine_values, colours)), "tooltip": ["mineral"]},
        ]
        text = f"title = {toml(pt['title'])}\nsimplify_m = 20\n"
        for layer in layers:
            text += "\n[[layers]]\n" + "".join(f"{k} = {toml(v)}\n" for k, v in layer.items())
        self.preset = root / "hostile.toml"
        self.preset.write_text(text, "utf-8")
        self.atlas = ecozone.demo_atlas(self.data)

    def pwned(self) -> list[str]:
        return sorted(p.name for p in self.markers.iterdir())

    def expected(self, preset: str) -> list[str]:
        """The file texts a preset's page must show, literally."""
        out = [self.title, *self.credits]
        if preset == "hostile":
            out += [*self.preset_texts.values(), self.column, *self.names["districts"], *self.names["mines"],
                    *self.mine_values, *self.column_values]
        else:
            out += [n for layer in SHOWN[preset] for n in self.names[layer]]
        return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    return Hostile(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def pages(hostile) -> dict[str, tuple[Path, str]]:
    """Each preset's map of the hostile atlas, written once: name -> (file, page)."""
    out = {}
    for name in [*SHIPPED, "hostile"]:
        m = render_map(hostile.preset if name == "hostile" else name, hostile.atlas, offline=True)
        path = write_map(m, hostile.root / f"{name}.html")
        out[name] = (path, path.read_text("utf-8"))
        assert hostile.pwned() == [], f"{name}: a payload ran while the map was drawn"
    return out


def test_hostile_atlas_and_preset_load_as_written(hostile):
    """The payloads reach ecozone as they are: the atlas and the preset hold them unchanged."""
    assert hostile.atlas.title == hostile.title
    assert set(hostile.atlas["districts"]["name"]) == set(hostile.names["districts"])
    assert hostile.column in hostile.atlas["mines"].columns
    preset = load_preset(hostile.preset)
    assert preset.title["zh"] == hostile.preset_texts["title"]
    assert hostile.atlas.layers["mines"].licence.endswith(IMG)


@pytest.mark.parametrize("preset", [*SHIPPED, "hostile"])
def test_file_text_is_never_template_source(hostile, pages, preset):
    """Nothing ran (no marker file); every payload shows literally, never its evaluated form."""
    path, page = pages[preset]
    assert hostile.pwned() == []
    shown = shown_text(page)
    missing = [s for s in hostile.expected(preset) if s not in shown]
    assert missing == [], f"{preset}: not shown literally: {missing[:3]}"
    ran = [evaluated(s) for s in hostile.expected(preset) if evaluated(s) != s and evaluated(s) in shown]
    assert ran == [], f"{preset}: shown evaluated: {ran[:3]}"
    assert "49·芝罘区" not in shown and f"{SEVEN}·芝罘区" in shown


@pytest.mark.parametrize("preset", [*SHIPPED, "hostile"])
def test_script_data_cannot_close_the_script_or_open_a_comment(pages, preset):
    """Every <script> ends where ecozone meant it to: no file text closes it, opens one or opens a comment."""
    _, page = pages[preset]
    opened = re.findall(r"<script\b", page, re.I)
    bodies = re.findall(r"<script\b[^>]*>(.*?)</script\s*>", page, re.I | re.S)
    assert len(bodies) == len(opened) >= 2  # Leaflet's, the map's
    for body in bodies:
        assert "<!--" not in body and "<script" not in body.lower() and "</script" not in body.lower()
    # outside the scripts only escaped text: no element or comment made of file text
    assert "<!--" not in page and IMG not in page and "<script>window.__pwned" not in page
    outside = re.sub(r"<script\b[^>]*>.*?</script\s*>", "", page, flags=re.I | re.S)
    assert "<img" not in outside


def test_bad_tile_url_templates_and_keys_cannot_reach_the_template(hostile):
    """A --basemap URL may hold braces only around a placeholder; a Tianditu key is URL-quoted."""
    from ecozone.errors import InputError
    from ecozone.maps import resolve_basemap

    bad = "https://t.example.com/{z}/{x}/{y}.png?v=" + shell(hostile.markers, "tiles")
    with pytest.raises(InputError, match="braces in a tile URL template"):
        resolve_basemap(bad)
    assert resolve_basemap("https://{s}.t.example.com/{z}/{x}/{y}.png")["tiles"] == ["https://{s}.t.example.com/{z}/{x}/{y}.png"]
    key = "abc" + shell(hostile.markers, "key")
    tiles = resolve_basemap("tianditu", key)["tiles"]
    assert all("{{" not in t and "%7B%7B" in t for t in tiles)
    page = map_html(render_map("coverage", hostile.atlas, basemap="tianditu", tianditu_key=key))
    assert hostile.pwned() == [] and quote(key, safe="") in page


# ----------------------------------------------------------------------------- in Chromium

#: hover (and click) up to 12 features of each GeoJSON layer whose text holds escaped characters; what they show
SHOW_JS = """(click) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const out = {tips: [], popups: []};
  for (const k of Object.keys(window).filter(k => k.startsWith('geo_json_') && window[k] instanceof L.GeoJSON)) {
    const hostile = [];
    if (!map.hasLayer(window[k])) window[k].addTo(map);  // a layer the preset hides at first
    window[k].eachLayer(l => {
      if (hostile.length < 12 && Object.values(l.feature.properties).some(v => typeof v === 'string' && v.includes('&')))
        hostile.push(l);
    });
    for (const l of hostile) {
      const at = {latlng: l.getCenter ? l.getCenter() : l.getLatLng()};
      l.fire('mouseover', at, true);
      const tips = document.querySelectorAll('.leaflet-tooltip');
      if (tips.length) out.tips.push(tips[tips.length - 1].innerText);
      l.fire('mouseout', at, true);
      if (click) {
        l.fire('click', at, true);
        const p = document.querySelectorAll('.leaflet-popup-content');  // the last: a closed one fades out for 200 ms
        if (p.length) out.popups.push(p[p.length - 1].innerText);
        map.closePopup();
      }
    }
  }
  return out;
}"""


def visit(browser):
    """A new page that records console errors, page errors, dialogs and requests (only file: and data: are served)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    dialogs: list[str] = []
    requests: list[str] = []

    def route(r):
        requests.append(r.request.url)
        r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return context, page, errors, dialogs, requests


@pytest.mark.browser
def test_hostile_maps_in_chromium(browser, hostile, pages):
    """Each page opens cleanly; tooltips, popups, legend, title and credit show the payloads as characters; nothing runs."""
    for name, (path, _) in pages.items():
        context, page, errors, dialogs, requests = visit(browser)
        try:
            page.goto(path.resolve().as_uri())
            page.wait_for_function("() => document.querySelector('.ecozone-legend') !== null")
            shown = page.evaluate(SHOW_JS, name == "hostile")
            tips, popups = "\n".join(shown["tips"]), "\n".join(shown["popups"])
            title = page.locator(".ecozone-title").inner_text()
            legend = page.locator(".ecozone-legend").inner_text()
            credit = page.locator(".leaflet-control-attribution").inner_text()
            control = page.locator(".leaflet-control-layers-overlays").inner_text()
            assert page.evaluate("() => window.__pwned === undefined"), name
            assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0, name
            assert dialogs == [] and errors == [], (name, dialogs, errors)
            assert requests == [path.resolve().as_uri()], name
            assert hostile.title in title, name
            for s in hostile.credits:
                assert s in credit, (name, s)
            for s in hostile.names["districts"]:  # every map's districts, hovered
                assert s in tips, (name, s)
            for s in payloads(hostile.markers, "name-districts"):
                assert s in tips, (name, s)
            assert SEVEN in tips and "49·" not in tips and "X·" not in tips, name
            if name == "hostile":
                pt = hostile.preset_texts
                assert page.title() == pt["title"] and pt["title"] in title
                for key in ("district", "coverage", "mine", "mineral"):
                    assert pt[key] in control, key
                for key in ("coverage", "mine", "mineral", "untreated", "in_progress", "restored"):
                    assert pt[key] in legend, key
                assert all(v in legend for v in hostile.mine_values)  # classes named by file text
                assert hostile.column in tips and hostile.column in popups
                assert any(v in tips for v in hostile.column_values) and any(v in popups for v in hostile.column_values)
                assert any(n in popups for n in hostile.names["mines"]) and any(n in popups for n in hostile.names["districts"])
            else:
                assert page.title() == load_preset(name).title["zh"]
        finally:
            context.close()
    assert hostile.pwned() == []
