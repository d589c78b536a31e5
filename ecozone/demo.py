"""The embedded Yantai demo: load it, measure it, write its report.

Example (the whole demo: about 20 seconds; the test suite runs it once, in ``tests/conftest.py``'s
``demo_run``, and ``ecozone demo`` in ``tests/test_cli.py``)::

    import pathlib, ecozone
    report = ecozone.demo.run_demo(pathlib.Path("ecozone-demo"))
    report["measurement_crs"]["epsg"]          # 4549
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ._resources import dataset_dir
from ._version import __version__
from .atlas import Atlas
from .audit import load_config, run_audit
from .errors import InputError
from .io import write_csv, write_text
from .measure.area import area_table
from .measure.bays import bay_report
from .measure.conflicts import SEVERITIES, of_realm
from .measure.coverage import coverage
from .measure.figures import figures
from .measure.mines import mine_restoration
from .measure.ranches import ranch_summary
from .measure.restoration import restoration, restoration_progress
from .measure.rivers import river_buffers, river_encroachment
from .measure.sea import sea_zones
from .measure.setback import setback_findings, setback_zones
from .outputs import OutputFolder, safe_filename
from .report import indicator_table, json_ready, json_records, report_dict, write_report
from .units import M2_PER_KM2

__all__ = ["demo_atlas", "run_demo", "measure_atlas", "build_report"]


def demo_atlas(data: str | os.PathLike | None = None) -> Atlas:
    """Load the embedded Yantai dataset (or another manifest folder) as an Atlas."""
    return Atlas.from_manifest(Path(data) if data is not None else dataset_dir("yantai"))


def run_demo(out: str | os.PathLike = "ecozone-demo", data: str | os.PathLike | None = None, *,
             overwrite: bool = False) -> dict[str, Any]:
    """Load, validate and measure the demo; write ``report.json`` and CSV tables into ``out``.

    When the folder holds an ``audit.toml`` (the embedded demo does), the demo
    runs through the audit path: its indicators and targets go under
    ``audit`` in ``report.json``, with ``report.md`` and ``report.html``.
    ``out`` is guarded as :class:`ecozone.outputs.OutputFolder` says (checked before
    anything is measured): an earlier demo's folder is replaced, a folder holding
    other files needs ``overwrite``, an input is never written over.
    Returns the report as a dict.
    """
    folder = Path(data) if data is not None else dataset_dir("yantai")
    config = load_config(folder / "audit.toml") if (folder / "audit.toml").exists() else None
    inputs = config.files() if config is not None else Atlas.manifest_files(folder)
    with OutputFolder(out, inputs=inputs, overwrite=overwrite, command="demo") as target:
        target.expect(["report.json", "report.md", "report.html", "bay_report.md", "maps", "exports", "monitoring"])  # before measuring
        if config is not None:  # the same path as `ecozone audit`: the folder's audit config and its targets
            result = run_audit(config)
            atlas = result.atlas
        else:
            result, atlas = None, demo_atlas(folder)
        tables = measure_atlas(atlas)
        report = build_report(atlas, tables)
        if result is not None:
            audit = report_dict(result)
            report["audit"] = {k: audit[k] for k in ("title", "config", "summary", "indicators", "inputs")}
            tables = {**{k: v for k, v in result.tables.items() if k not in tables}, **tables}
            write_report(result, target, ("md", "html"))
            tables["indicators"] = indicator_table(result)
            for key in ("land_cover", "redline_lost"):
                if key in tables:
                    report[key] = json_records(tables[key], 6)
        for name, table in tables.items():
            write_csv(table, target.path(f"{safe_filename(name)}.csv"))
        if "bay_report" in tables:
            write_text(target.path("bay_report.md"), tables["bay_report"].attrs["markdown"])
        from .demo_monitor import write_demo_monitoring  # a store of SIMULATED surveys and its report, in monitoring/

        report["monitoring"] = write_demo_monitoring(atlas, target, config)
        maps = _write_maps(atlas, result, target.subfolder("maps"))
        exports = _write_exports(atlas, result, target.subfolder("exports"))
        target.record(*maps, *exports)
        out = Path(out)
        report["maps"] = [p.relative_to(out).as_posix() for p in maps]
        report["exports"] = [p.relative_to(out).as_posix() for p in exports]
        write_text(target.path("report.json"), json.dumps(json_ready(report, None), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    return report


def _write_exports(atlas: Atlas, result, folder: Path) -> list[Path]:
    """A GeoJSON (RFC 7946) per layer and one GeoPackage (EPSG:4490) of the layers and result layers."""
    from .export import export

    findings = result.tables.get("conflicts") if result is not None else None
    written = export(atlas, folder, "geojson", overwrite=True)
    written += export(atlas, folder / f"{safe_filename(atlas.name, default='atlas')}.gpkg", layers=list(atlas.layers),
                      results=True, findings=findings, overwrite=True)
    return written


def _write_maps(atlas: Atlas, result, folder: Path) -> list[Path]:
    """The four preset maps, offline; the coastline map shows the SIMULATED survey's changes."""
    from .maps import write_maps

    changes = None
    if atlas.names("coastline"):
        coast = atlas[atlas.names("coastline")[0]]
        _, changes = figures(atlas).coastline_change("simulated", lambda: simulated_survey(coast))
        changes = changes.copy()  # the shared result stays as it was measured
        changes.attrs["simulated"] = True  # the map's attribution says so
    return write_maps(atlas, folder, audit=result, changes=changes, offline=True)


def simulated_survey(coastline):
    """A SIMULATED later survey of the demo coastline, to show change monitoring: every 25th natural
    mainland segment (in id order) turned artificial, every 20th artificial one restored to natural."""
    after = coastline.copy()
    mainland = ~after["island"].fillna(False).astype(bool) if "island" in after else pd.Series(True, index=after.index)
    order = after.sort_values("id").index if "id" in after else after.index
    natural = [i for i in order if mainland[i] and after.at[i, "class"] in ("bedrock", "sandy", "muddy", "biological")]
    artificial = [i for i in order if mainland[i] and after.at[i, "class"] == "artificial"]
    after.loc[natural[::25], "class"] = "artificial"
    after.loc[artificial[::20], "class"] = "restored_natural"
    return after


def measure_atlas(atlas: Atlas) -> dict[str, pd.DataFrame]:
    """The demo's tables: district areas, coverage per district (land) and per sea zone (marine),
    restoration by type and status, and conflict findings.  Keys name the CSV files."""
    if not atlas.names("district"):
        raise InputError(f"atlas {atlas.name!r}: no layer of kind district; fix: add the districts to the manifest "
                         "([layers.districts] with kind = \"district\"): every figure is given per district")
    districts = atlas[atlas.names("district")[0]]
    tables: dict[str, pd.DataFrame] = {"district_areas": area_table(districts, zone_label="district")}
    redlines = atlas.of_kind("redline") if atlas.names("redline") else gpd.GeoDataFrame(geometry=[], crs=atlas.crs)
    if len(redlines):
        tables["redline_land_coverage"] = figures(atlas).coverage("redline", "land")
    coast = atlas.names("coastline")
    marine = {}
    if "realm" in redlines:
        marine["redline_marine"] = of_realm(redlines, "marine")
    for kind in ("marine_ranch", "bay"):
        for name in atlas.names(kind):
            marine[name] = atlas[name]
    if coast and marine:
        # land around the city (neighbours, islands) is never sea; without a land layer sea_zones warns
        seas = sea_zones(districts, atlas[coast[0]], land=atlas.of_kind("land") if atlas.names("land") else None)
        tables["sea_zones"] = pd.DataFrame(seas.drop(columns=seas.geometry.name))
        tables["marine_coverage"] = coverage(seas, marine)
    if coast:
        bays = atlas.names("bay")
        retention = figures(atlas).retention(districts=atlas.names("district")[0], bays=bays[0] if bays else None)
        tables["coastline_retention"] = pd.DataFrame(
            [{"total_km": retention.total_km, "natural_km": retention.natural_km, "retention": retention.retention,
              **retention.settings}]
        )
        tables["coastline_by_class"] = retention.by_class
        tables["coastline_by_district"] = retention.by_zone
        if retention.by_bay is not None:
            tables["coastline_by_bay"] = retention.by_bay
    if coast:
        summary, changes = figures(atlas).coastline_change("simulated", lambda: simulated_survey(atlas[coast[0]]))
        tables["coastline_change"] = pd.DataFrame([{k: v for k, v in summary.items() if k not in ("settings", "notes")}])
        tables["coastline_changes"] = pd.DataFrame(changes.drop(columns=changes.geometry.name))
        setback = setback_zones(atlas[coast[0]], land=districts)
        tables["setback_zones"] = pd.DataFrame(setback.drop(columns=setback.geometry.name))
        checked = [setback_findings(atlas[n], setback, layer_name=n) for kind in ("project", "mine") for n in atlas.names(kind)]
        tables["setback_findings"] = pd.concat(checked, ignore_index=True) if checked else pd.DataFrame()
    bays = atlas.names("bay")
    if bays:
        first = lambda kind: atlas[atlas.names(kind)[0]] if atlas.names(kind) else None  # noqa: E731
        table, markdown = bay_report(
            atlas[bays[0]],
            coastline=first("coastline"),
            redline=of_realm(redlines, "marine") if "realm" in redlines else None,
            ranches=first("marine_ranch"),
            restoration=first("restoration"),
        )
        table.attrs["markdown"] = markdown
        tables["bay_report"] = table
    for name in atlas.names("restoration"):
        tables["restoration"] = restoration(atlas[name], districts, by=("type", "status"))
    tables.update(_themes(atlas, districts, seas if coast and marine else None))
    tables["conflicts"] = figures(atlas).conflicts()
    return tables


def _themes(atlas: Atlas, districts, seas) -> dict[str, pd.DataFrame]:
    """Rivers, mines and marine ranches (and rasters, when the atlas has them)."""
    tables: dict[str, pd.DataFrame] = {}
    for name in atlas.names("river")[:1]:
        buffers = river_buffers(atlas[name])
        tables["river_buffers"] = pd.DataFrame(buffers.drop(columns=buffers.geometry.name))
        checked = {n: atlas[n] for kind in ("mine", "project") for n in atlas.names(kind)}
        tables["river_encroachment"] = river_encroachment(buffers, checked)
        tables["river_designation"], tables["rivers_undesignated"] = figures(atlas).river_designation()
    if atlas.names("mine"):
        mines = atlas[atlas.names("mine")[0]]
        tables["mine_restoration"] = mine_restoration(mines, districts)
        if atlas.names("transport") or atlas.names("sensitive_area"):
            view = figures(atlas).mines_in_view()
            tables["mines_in_view"] = pd.DataFrame(view.drop(columns=view.geometry.name))
            tables["mine_restoration_in_view"] = mine_restoration(view[view["in_view"]], districts)
    for name in atlas.names("marine_ranch")[:1]:
        redline = atlas.of_kind("redline") if atlas.names("redline") else None
        wind = atlas[atlas.names("wind_farm")[0]] if atlas.names("wind_farm") else None
        if seas is not None:
            tables["ranches_by_sea_zone"] = ranch_summary(atlas[name], seas, redline=redline, wind_farms=wind)
        for bays in atlas.names("bay")[:1]:
            tables["ranches_by_bay"] = ranch_summary(atlas[name], atlas[bays], by=("level",))
    return tables


#: The example restoration target the demo checks: coastal wetland restored ≥ 120 ha by 2025,
#: completed projects only (the figure of a Shandong coastal city's 2025 plan; presets cite sources).
DEMO_TARGET = {"type": "coastal_wetland", "target_ha": 120.0, "until": 2025}


def build_report(atlas: Atlas, tables: dict[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    """The demo report as a JSON-ready dict (``tables``: from :func:`measure_atlas`, if already measured)."""
    districts_name = atlas.names("district")[0]
    if tables is None:
        tables = measure_atlas(atlas)
    city_m2 = float(atlas[districts_name].geometry.union_all().area)
    summary = atlas.summary()
    extra: dict[str, Any] = {}
    for key in ("redline_land_coverage", "sea_zones", "marine_coverage", "restoration", "setback_zones", "setback_findings",
                "bay_report", "river_buffers", "river_encroachment", "river_designation", "rivers_undesignated",
                "mine_restoration", "mines_in_view", "mine_restoration_in_view", "ranches_by_sea_zone", "ranches_by_bay"):
        if key in tables:
            extra[key] = json_records(tables[key], 6)
    if atlas.names("restoration"):
        extra["restoration_progress"] = restoration_progress(
            atlas[atlas.names("restoration")[0]], DEMO_TARGET["target_ha"], restoration_type=DEMO_TARGET["type"], until=DEMO_TARGET["until"]
        )
    if "coastline_change" in tables:
        extra["coastline_change_simulated"] = {
            **json_records(tables["coastline_change"], 6)[0],
            "changes": json_records(tables["coastline_changes"], 3),
        }
    if "coastline_retention" in tables:
        extra["coastline_retention"] = {
            **json_records(tables["coastline_retention"], 6)[0],
            "by_class": json_records(tables["coastline_by_class"], 6),
            "by_district": json_records(tables["coastline_by_district"], 6),
            "by_bay": json_records(tables["coastline_by_bay"], 6) if "coastline_by_bay" in tables else None,
        }
    findings = tables["conflicts"]
    extra["conflicts"] = {
        "counts": {s: int((findings["severity"] == s).sum()) for s in SEVERITIES},
        "findings": json_records(findings, 4),
    }
    return {
        "ecozone": __version__,
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "dataset": {
            "name": atlas.name,
            "title": atlas.title,
            "illustrative_layers": [n for n, layer in atlas.layers.items() if layer.illustrative],
            "credits": atlas.credits,
        },
        "measurement_crs": {"epsg": atlas.crs.to_epsg(), "name": atlas.crs.name},
        "layers": summary.to_dict("records"),
        "district_areas": json_records(tables["district_areas"], 4),
        "city_area_km2": round(city_m2 / M2_PER_KM2, 3),
        **extra,
        "validation": atlas.report.to_dict(),
    }
