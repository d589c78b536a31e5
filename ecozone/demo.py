"""The embedded Yantai demo: load it, measure it, write its report.

Example
-------
>>> import ecozone
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> report = ecozone.demo.run_demo(out)
>>> sorted(p.name for p in out.iterdir()), report["measurement_crs"]["epsg"]
(['district_areas.csv', 'report.json'], 4549)
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from ._resources import dataset_dir
from ._version import __version__
from .atlas import Atlas
from .io import atomic_path, write_text
from .measure.area import area_table
from .measure.coverage import coverage
from .units import M2_PER_KM2

__all__ = ["demo_atlas", "run_demo"]


def demo_atlas(data: str | os.PathLike | None = None) -> Atlas:
    """Load the embedded Yantai dataset (or another manifest folder) as an Atlas."""
    return Atlas.from_manifest(Path(data) if data is not None else dataset_dir("yantai"))


def run_demo(out: str | os.PathLike = "ecozone-demo", data: str | os.PathLike | None = None) -> dict[str, Any]:
    """Load, validate and measure the demo; write ``report.json`` and CSV tables into ``out``.

    Returns the report as a dict.
    """
    atlas = demo_atlas(data)
    areas = area_table(atlas[atlas.names("district")[0]], zone_label="district")
    report = build_report(atlas, areas)
    out = Path(out)
    write_text(out / "report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    with atomic_path(out / "district_areas.csv") as tmp:
        areas.to_csv(tmp, index=False, encoding="utf-8-sig")
    return report


def _records(table, digits: int) -> list[dict[str, Any]]:
    return [{k: (round(v, digits) if isinstance(v, float) else v) for k, v in row.items()} for row in table.to_dict("records")]


def build_report(atlas: Atlas, areas=None) -> dict[str, Any]:
    """The demo report as a JSON-ready dict (``areas``: the district area table, if already measured)."""
    districts_name = atlas.names("district")[0]
    if areas is None:
        areas = area_table(atlas[districts_name], zone_label="district")
    city_m2 = float(atlas[districts_name].geometry.union_all().area)
    summary = atlas.summary()
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
        "district_areas": _records(areas, 4),
        "city_area_km2": round(city_m2 / M2_PER_KM2, 3),
        "redline_land_coverage": _records(coverage(atlas[districts_name], atlas.of_kind("redline").query("realm == 'land'")), 6),
        "validation": atlas.report.to_dict(),
    }
