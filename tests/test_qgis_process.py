"""The QGIS plugin in a real QGIS (issue 23): Debian's ``qgis`` 3.22, driven with ``qgis_process``.

The zip that ``ecozone qgis-plugin --zip`` writes is unzipped into a throwaway profile
(``QGIS_CUSTOM_CONFIG_PATH``), enabled with ``qgis_process plugins enable``, and pointed at this
environment (the provider's setting, as a user sets it in Processing › Options › Providers).  The
figures QGIS gets are compared with those of the ``ecozone`` command run on the same files; a layer
without a CRS must fail in QGIS with ecozone's one-line message.  Skipped only when QGIS is absent and
``CI`` is unset.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ecozone.qgis_plugin import ALGORITHMS, PLUGIN

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "layers" / "yantai"
QGIS_PROCESS = Path("/usr/bin/qgis_process.bin")  # the qgis_process wrapper passes an option 3.22 rejects

if not QGIS_PROCESS.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{QGIS_PROCESS} is missing; .ci/run installs Debian's qgis", pytrace=False)
    pytest.skip("QGIS (qgis_process) is not installed", allow_module_level=True)


def qgis_env(**extra: str) -> dict[str, str]:
    """The environment qgis_process runs in: without this virtualenv (an activated one, as in CI, puts its python3
    first on PATH, and QGIS's embedded Python then takes that environment's prefix and cannot import qgis)."""
    env = dict(os.environ, **extra)
    own = {Path(sys.prefix, "bin").resolve(), Path(sys.executable).parent.resolve()}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() not in own)
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONHOME", None)
    return env


class QGIS:
    """qgis_process in a throwaway profile with the plugin installed."""

    def __init__(self, profile: Path):
        self.profile = profile
        self.env = qgis_env(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(profile),
                            XDG_RUNTIME_DIR=str(profile / "runtime"))

    def __call__(self, *args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(QGIS_PROCESS), *args], capture_output=True, text=True, env=self.env, timeout=600,
                              cwd=cwd)
        if check:
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc

    def run(self, algorithm: str, check: bool = True, cwd: Path | None = None,
            **params: str) -> tuple[subprocess.CompletedProcess, dict | None]:
        proc = self("--json", "run", f"ecozone:{algorithm}", "--", *[f"{k}={v}" for k, v in params.items()], check=check,
                    cwd=cwd)
        doc = None
        if proc.stdout.strip().startswith("{"):
            doc = json.loads(proc.stdout)
        return proc, doc


@pytest.fixture(scope="module")
def qgis(tmp_path_factory) -> QGIS:
    base = tmp_path_factory.mktemp("qgis")
    made = subprocess.run([sys.executable, "-m", "ecozone", "qgis-plugin", "--zip", str(base)], capture_output=True,
                          text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    profile = base / "profile"
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    (profile / "runtime").mkdir(mode=0o700)
    with zipfile.ZipFile(next(base.glob(f"{PLUGIN}-*.zip"))) as archive:
        archive.extractall(plugins)
    q = QGIS(profile)
    enabled = q("plugins", "enable", PLUGIN)
    assert re.search(rf"^\*\s*{PLUGIN}\s*$", enabled.stdout, re.M), enabled.stdout
    # the provider's setting: this environment (its folder; the plugin finds bin/ecozone, else uses its python)
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    command = Path(sys.executable).parent / "ecozone"
    setting = str(command) if command.exists() else sys.executable
    with ini.open("a", encoding="utf-8") as f:
        f.write(f"\n[Processing]\nConfiguration\\ECOZONE_EXECUTABLE={setting}\n")
    return q


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecozone", *args], capture_output=True, text=True, timeout=600)


def test_qgis_lists_the_ecozone_algorithms(qgis):
    listed = qgis("list").stdout
    found = re.findall(r"^\s*ecozone:(\w+)\t", listed, re.M)
    assert sorted(found) == sorted(ALGORITHMS)
    helped = qgis("help", "ecozone:coastline_retention").stdout
    # the help and the parameters of ecozone coastline, from algorithms.json
    assert "Coastline length by class and natural-coastline retention" in helped
    assert re.search(r"^class_field: class-field", helped, re.M) and "- 2: exclude" in helped


def test_in_a_chinese_qgis_the_algorithms_have_their_chinese_names(qgis, tmp_path):
    import shutil

    profile = tmp_path / "profile"
    shutil.copytree(qgis.profile, profile)
    with (profile / "profiles" / "default" / "QGIS" / "QGIS3.ini").open("a", encoding="utf-8") as f:
        f.write("\n[locale]\nuserLocale=zh_CN\noverrideFlag=true\n")
    listed = QGIS(profile)("list").stdout
    names = dict(re.findall(r"^\s*ecozone:(\w+)\t(.+)$", listed, re.M))
    assert names == {algo_id: algo.zh for algo_id, algo in ALGORITHMS.items()}
    assert names["coastline_retention"] == "自然岸线保有率"


def test_coverage_in_qgis_gives_the_figures_of_the_cli(qgis, tmp_path):
    import shutil

    # paths relative to qgis_process's working folder, as QGIS's own algorithms take them (ecozone runs elsewhere)
    for name in ("districts.geojson", "redline_land.geojson"):
        shutil.copy(DEMO / name, tmp_path / name)
    proc, doc = qgis.run("coverage", zones="districts.geojson", layers="redline_land.geojson", area_method="1",
                         OUTPUT="qgis.csv", cwd=tmp_path)
    assert doc["results"]["OUTPUT"] == str(tmp_path / "qgis.csv")
    assert any("ecozone" in line and "coverage" in line for line in doc["log"]["info"])  # the command it ran
    ran = cli("coverage", "--zones", str(DEMO / "districts.geojson"), "--layer", str(DEMO / "redline_land.geojson"),
              "--area-method", "ellipsoidal", "-o", str(tmp_path / "cli.csv"))
    assert ran.returncode == 0, ran.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "qgis.csv"), pd.read_csv(tmp_path / "cli.csv"))
    assert len(pd.read_csv(tmp_path / "qgis.csv")) == 12  # 11 districts and the total


def test_coastline_retention_in_qgis_gives_the_figures_of_the_cli(qgis, tmp_path):
    # the zones given as one layer of a GeoPackage that holds two: the plugin writes it out for ecozone
    two = tmp_path / "two.gpkg"
    made = cli("export", "--atlas", str(DEMO), "--layers", "districts,bays", "-f", "gpkg", "-o", str(two))
    assert made.returncode == 0, made.stderr
    proc, doc = qgis.run("coastline_retention", coastline=DEMO / "coastline.geojson", zones=f"{two}|layername=districts",
                         bays=DEMO / "bays.geojson", OUTPUT=tmp_path / "qgis.csv")
    ran = cli("coastline", "--coastline", str(DEMO / "coastline.geojson"), "--zones", str(DEMO / "districts.geojson"),
              "--bays", str(DEMO / "bays.geojson"), "-o", str(tmp_path / "cli.csv"))
    assert ran.returncode == 0, ran.stderr
    got, want = pd.read_csv(tmp_path / "qgis.csv"), pd.read_csv(tmp_path / "cli.csv")
    assert list(got["name"]) == list(want["name"]) and "total" in list(got["name"])
    # the districts went through a GeoPackage (EPSG:4490, float64): the same lengths to a millimetre
    pd.testing.assert_frame_equal(got, want, check_exact=False, atol=1e-6, rtol=0)
    assert 0 < got.loc[0, "retention"] < 1


def test_the_demo_audit_in_qgis_gives_the_report_of_the_cli(qgis, tmp_path):
    import shutil

    # the config and the output folder relative to qgis_process's working folder; a config named like an option
    atlas = tmp_path / "atlas"
    shutil.copytree(DEMO, atlas)
    shutil.copy(atlas / "audit.toml", atlas / "-q.toml")
    proc, doc = qgis.run("audit", config="-q.toml", OUTPUT="../qgis", cwd=atlas)
    assert doc["results"]["OUTPUT"] == str(tmp_path / "qgis")
    # exit status 1 (targets missed): a warning, not an error; the outputs are there
    assert any("target was missed" in w for w in doc["log"].get("warning", [])), doc["log"]
    assert {"report.json", "report.html", "indicators.csv", "layers.gpkg"} <= {p.name for p in (tmp_path / "qgis").iterdir()}
    loaded = doc["results"]["LAYERS"]
    assert any(i.startswith("coastline_segments") for i in loaded) and any(i.startswith("indicators") for i in loaded)
    ran = cli("audit", str(DEMO / "audit.toml"), "-o", str(tmp_path / "cli"), "-f", "json")
    assert ran.returncode == 1, ran.stderr
    got = json.loads((tmp_path / "qgis" / "report.json").read_text("utf-8"))
    want = json.loads((tmp_path / "cli" / "report.json").read_text("utf-8"))
    figures = lambda report: [(i["id"], i["value"], i["target"], i["status"]) for i in report["indicators"]]  # noqa: E731
    assert figures(got) == figures(want)
    assert [i["status"] for i in got["indicators"]].count("fail") == 7


def test_a_layer_without_crs_fails_in_qgis_with_ecozones_message(qgis, tmp_path):
    import geopandas as gpd

    zones = gpd.read_file(DEMO / "districts.geojson").set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="crs"):
        zones.to_file(tmp_path / "nocrs.shp")
    proc, _ = qgis.run("coverage", check=False, zones=tmp_path / "nocrs.shp", layers=DEMO / "redline_land.geojson",
                       OUTPUT=tmp_path / "qgis.csv")
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    errors = [ln for ln in text.splitlines() if "has no coordinate reference system" in ln]
    assert errors, text[-3000:]
    # ecozone's one line, naming the QGIS layer and its file, with how to fix it in QGIS
    assert any(f"ecozone: layer 'nocrs' ({tmp_path / 'nocrs.shp'})" in ln and "Assigned Coordinate Reference System"
               in ln for ln in errors), errors
    assert not (tmp_path / "qgis.csv").exists()
    # a message of ecozone's that names no file ("layer: no field …"): the QGIS layer the field was picked from
    proc, _ = qgis.run("coverage", check=False, zones=DEMO / "districts.geojson", layers=DEMO / "redline_land.geojson",
                       by="nosuch", OUTPUT=tmp_path / "qgis.csv")
    assert proc.returncode != 0
    assert "ecozone: layer 'redline_land': no field 'nosuch' to break down by" in proc.stdout + proc.stderr


def with_setting(qgis, tmp_path, value) -> QGIS:
    """A copy of the profile with the provider's setting ``value``."""
    import shutil

    profile = tmp_path / "profile"
    shutil.copytree(qgis.profile, profile)
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    text = re.sub(r"(?m)^Configuration\\ECOZONE_EXECUTABLE=.*$", lambda m: f"Configuration\\ECOZONE_EXECUTABLE={value}",
                  ini.read_text("utf-8"))
    ini.write_text(text, "utf-8")
    return QGIS(profile)


def test_a_setting_without_ecozone_and_an_internal_error_are_errors_said_once(qgis, tmp_path):
    # a python without ecozone (exit 1, "No module named ecozone"): an error about the setting, not "a target missed"
    python = tmp_path / "python3"
    python.write_text("#!/bin/sh\necho \"$0: No module named ecozone\" >&2\nexit 1\n")
    python.chmod(0o755)
    proc, _ = with_setting(qgis, tmp_path / "a", python).run(
        "coverage", check=False, zones=DEMO / "districts.geojson", layers=DEMO / "redline_land.geojson",
        OUTPUT=tmp_path / "a.csv")
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "target was missed" not in text
    assert f"{python}: this python cannot run ecozone ({python}: No module named ecozone); fix: pip install ecozone" in text
    # ecozone's internal-error line (exit 3): "internal error" said once
    fake = tmp_path / "ecozone"
    fake.write_text("#!/bin/sh\necho \"ecozone: internal error: KeyError: 'zone'; fix: this is a bug in ecozone\" >&2\n"
                    "exit 3\n")
    fake.chmod(0o755)
    proc, _ = with_setting(qgis, tmp_path / "b", fake).run(
        "coverage", check=False, zones=DEMO / "districts.geojson", layers=DEMO / "redline_land.geojson",
        OUTPUT=tmp_path / "b.csv")
    errors = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "KeyError: 'zone'" in ln]
    assert proc.returncode != 0 and errors and all(ln.count("internal error") == 1 for ln in errors), errors


def test_shoreline_change_in_qgis_takes_several_layers_and_writes_the_files_of_the_cli(qgis, tmp_path):
    import geopandas as gpd
    from shapely.geometry import LineString

    x0, y0 = 500_000.0, 4_150_000.0  # CGCS2000 / 3-degree GK CM 120E (EPSG:4549), off Yantai
    files = []
    for day, offset in (("1990-06-01", -100.0), ("2020-06-01", -40.0)):  # the shore advances 60 m towards the baseline
        path = tmp_path / f"shore_{day[:4]}.gpkg"
        gpd.GeoDataFrame({"date": [day]}, geometry=[LineString([(x0 - 100, y0 + offset), (x0 + 1100, y0 + offset)])],
                         crs=4549).to_file(path)
        files.append(path)
    base = tmp_path / "baseline.gpkg"
    gpd.GeoDataFrame(geometry=[LineString([(x0, y0), (x0 + 1000, y0)])], crs=4549).to_file(base)
    args = [f"shorelines={f}" for f in files] + [f"baseline={base}", "spacing=100", "reclamation_m=50",
                                                  f"OUTPUT={tmp_path / 'qgis'}"]  # a list: the parameter repeated
    proc = qgis("--json", "run", "ecozone:shoreline_change", "--", *args)
    doc = json.loads(proc.stdout)
    assert any(i.startswith("transects") for i in doc["results"]["LAYERS"])
    ran = cli("shoreline-change", *[x for f in files for x in ("--shorelines", str(f))], "--baseline", str(base),
              "--spacing", "100", "--reclamation-m", "50", "--out", str(tmp_path / "cli"))
    assert ran.returncode == 0, ran.stderr
    got, want = (pd.read_csv(tmp_path / d / "transects.csv") for d in ("qgis", "cli"))
    pd.testing.assert_frame_equal(got, want)
    assert len(got) == 11 and got["nsm_m"].round(6).eq(60.0).all() and got["possible_reclamation"].all()


def test_sea_zones_in_qgis_are_the_zones_of_the_cli(qgis, tmp_path):
    import geopandas as gpd

    files = {"districts": DEMO / "districts.geojson", "coastline": DEMO / "coastline.geojson", "land": DEMO / "land.geojson"}
    proc, doc = qgis.run("sea_zones", seaward_km="12", OUTPUT=tmp_path / "qgis.gpkg", **files)
    out = Path(doc["results"]["OUTPUT"])
    assert out == tmp_path / "qgis.gpkg" and out.exists()
    ran = cli("sea-zones", *[x for k, v in files.items() for x in (f"--{k}", str(v))], "--seaward-km", "12", "-o",
              str(tmp_path / "cli.gpkg"))
    assert ran.returncode == 0, ran.stderr
    got, want = gpd.read_file(out), gpd.read_file(tmp_path / "cli.gpkg")
    assert list(got["name"]) == list(want["name"]) and len(got) >= 5
    assert got.geometry.geom_equals_exact(want.geometry, tolerance=0).all()
    assert got["approximate"].all()
    # a Shapefile (or any format but .gpkg/.geojson) as the output: refused, never a success with no file written
    proc, _ = qgis.run("sea_zones", check=False, OUTPUT=tmp_path / "zones.shp", **files)
    assert proc.returncode != 0
    assert "zones.shp: ecozone writes this output as a GeoPackage (.gpkg) or GeoJSON (.geojson) only" in proc.stdout + proc.stderr
    assert not (tmp_path / "zones.shp").exists()


def test_land_use_in_qgis_reads_the_xzq_layer_qgis_gives(qgis, tmp_path):
    import pyogrio

    # the township boundaries as a layer named xzq_2023 (not XZQ) of the user's GeoPackage, picked in QGIS
    xzq = pyogrio.read_dataframe(DEMO / "land_survey.gpkg", layer="XZQ")
    pyogrio.write_dataframe(xzq, tmp_path / "admin.gpkg", layer="xzq_2023")
    proc, doc = qgis.run("land_use", survey=f"{DEMO / 'land_survey.gpkg'}|layername=DLTB",
                         xzq=f"{tmp_path / 'admin.gpkg'}|layername=xzq_2023", OUTPUT=tmp_path / "qgis.csv")
    assert any("--xzq-layer xzq_2023" in line for line in doc["log"]["info"])  # the file as it is, its layer named
    ran = cli("land-use", "--survey", str(DEMO / "land_survey.gpkg"), "--survey-layer", "DLTB", "--xzq",
              str(tmp_path / "admin.gpkg"), "--xzq-layer", "xzq_2023", "-o", str(tmp_path / "cli.csv"))
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "qgis.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()


TOOLBOX = r'''
import json, os, sys
from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsVectorLayer
plugins, demo, out, nocrs, assigned_out = sys.argv[1:6]
app = QgsApplication([], False)
app.initQgis()
sys.path[:0] = [plugins, os.path.join(QgsApplication.pkgDataPath(), "python", "plugins")]
from processing.core.Processing import Processing
Processing.initialize()
import processing, ecozone_qgis
plugin = ecozone_qgis.classFactory(None)  # kept: the registry does not own the provider
plugin.initProcessing()
results = [processing.runAndLoadResults("ecozone:coverage", {"zones": demo + "/districts.geojson",
                                        "layers": [demo + "/redline_land.geojson"], "OUTPUT": "TEMPORARY_OUTPUT"}),
           processing.runAndLoadResults("ecozone:audit", {"config": demo + "/audit.toml", "OUTPUT": out})]
layers = sorted((l.name(), l.featureCount(), l.isSpatial()) for l in QgsProject.instance().mapLayers().values())
# a Shapefile without .prj whose CRS the user assigned in QGIS (Layer Properties › Source): ecozone gets that CRS
zones = QgsVectorLayer(nocrs, "nocrs", "ogr")
zones.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
QgsProject.instance().addMapLayer(zones)  # the project owns it (else QGIS crashes at exit)
processing.run("ecozone:coverage", {"zones": zones, "layers": [demo + "/redline_land.geojson"], "OUTPUT": assigned_out})
print("RESULT=" + json.dumps({"results": [r["OUTPUT"] for r in results], "layers": layers}))
app.exitQgis()
'''


def test_the_toolbox_loads_the_outputs_as_layers_and_finds_ecozone_on_path(tmp_path):
    """As the Processing Toolbox runs an algorithm (in QGIS's own process, with a project): the tables and
    layers are loaded into the project; the provider's setting is empty, so ecozone is found on PATH."""
    import geopandas as gpd

    plugins = tmp_path / "plugins"
    nocrs = gpd.read_file(DEMO / "districts.geojson").set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="crs"):
        nocrs.to_file(tmp_path / "nocrs.shp")
    made = cli("qgis-plugin", "--zip", str(tmp_path))
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(next(tmp_path.glob(f"{PLUGIN}-*.zip"))) as archive:
        archive.extractall(plugins)
    (tmp_path / "runtime").mkdir(mode=0o700)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"),
               XDG_RUNTIME_DIR=str(tmp_path / "runtime"), PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(["/usr/bin/python3", "-c", TOOLBOX, str(plugins), str(DEMO), str(tmp_path / "audit"),
                           str(tmp_path / "nocrs.shp"), str(tmp_path / "assigned.csv")],
                          capture_output=True, text=True, env=env, timeout=600)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT=")]
    assert proc.returncode == 0 and line, proc.stdout[-2000:] + proc.stderr[-3000:]
    doc = json.loads(line[0][len("RESULT="):])
    import pyogrio

    layers = {name: (count, spatial) for name, count, spatial in doc["layers"]}
    districts = pyogrio.read_info(DEMO / "districts.geojson")["features"]
    assert layers["Coverage per zone"] == (districts + 1, False)  # the table: a row per district and the total
    indicators = pd.read_csv(tmp_path / "audit" / "indicators.csv")
    assert layers["indicators"] == (len(indicators), False)

    in_gpkg = {name: pyogrio.read_info(tmp_path / "audit" / "layers.gpkg", layer=name)["features"]
               for name, _ in pyogrio.list_layers(tmp_path / "audit" / "layers.gpkg")}
    assert {"coastline_segments", "redline_coverage", "findings"} <= set(in_gpkg)
    for name, count in in_gpkg.items():  # every layer of layers.gpkg loaded, as many features as the file holds
        assert layers[name] == (count, True), name
    # the assigned CRS reached ecozone: the table of the districts whose file says EPSG:4326
    ran = cli("coverage", "--zones", str(DEMO / "districts.geojson"), "--layer", str(DEMO / "redline_land.geojson"),
              "-o", str(tmp_path / "cli.csv"))
    assert ran.returncode == 0, ran.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "assigned.csv"), pd.read_csv(tmp_path / "cli.csv"),
                                  check_exact=False, atol=1e-6, rtol=0)
