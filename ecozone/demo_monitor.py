"""The demo's monitoring history (演示监测): a GeoPackage store of SIMULATED surveys and its report.

Three coastline surveys a quarter apart, derived from the demo coastline (2026Q1 is the demo coastline;
2026Q2 turns every 15th natural mainland segment artificial; 2026Q3 turns every 15th of the rest
artificial, restores every 30th artificial one and moves one artificial segment 300 m seaward, as a
reclamation would), the two red-line versions (the 2020 baseline and the current one) and the
restoration projects — every survey marked simulated.  ``ecozone demo`` writes the store and the report
into ``monitoring/`` beside the audit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from .atlas import Atlas
from .io import atomic_path
from .monitor_report import monitor_report_dict, write_monitor_report
from .monitoring import monitor
from .outputs import OutputFolder
from .schema import NATURAL_CLASSES
from .store import open_store

__all__ = ["demo_history", "write_demo_monitoring", "QUARTERS"]

#: The simulated coastline surveys' dates and labels.
QUARTERS = (("2026-03-31", "2026Q1"), ("2026-06-30", "2026Q2"), ("2026-09-30", "2026Q3"))
_NOTE = "模拟数据 SIMULATED: derived from the demo coastline by ecozone.demo_monitor, not a survey"


def _mainland(frame: gpd.GeoDataFrame):
    return ~frame["island"].fillna(False).astype(bool) if "island" in frame else frame.index == frame.index


def _natural(frame: gpd.GeoDataFrame) -> list:
    order = frame.sort_values("id").index if "id" in frame else frame.index
    main = _mainland(frame)
    return [i for i in order if main[i] and frame.at[i, "class"] in NATURAL_CLASSES]


def _seaward(frame: gpd.GeoDataFrame, index, land, metres: float) -> gpd.GeoDataFrame:
    """``frame`` with segment ``index`` moved ``metres`` away from the land (in the Gauss-Krüger zone)."""
    from .prepare import measurement_target

    crs = measurement_target(frame)
    line = gpd.GeoSeries([frame.geometry[index]], crs=frame.crs).to_crs(crs).iloc[0]
    landmass = shapely.union_all(land.to_crs(crs).geometry.values)
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    mid = line.interpolate(0.5, normalized=True)
    sign = 1.0 if not landmass.contains(shapely.Point(mid.x + nx * metres, mid.y + ny * metres)) else -1.0
    moved = shapely.transform(line, lambda xy: xy + [sign * nx * metres, sign * ny * metres])
    out = frame.copy()
    out.loc[index, out.geometry.name] = gpd.GeoSeries([moved], crs=crs).to_crs(frame.crs).iloc[0]
    return out


def demo_history(coastline: gpd.GeoDataFrame, land: gpd.GeoDataFrame) -> list[gpd.GeoDataFrame]:
    """The three SIMULATED quarterly coastline surveys (see the module)."""
    coast = coastline.drop(columns=["_row"], errors="ignore").reset_index(drop=True)
    q1 = coast
    q2 = q1.copy()
    q2.loc[_natural(q1)[::15], "class"] = "artificial"
    q3 = q2.copy()
    q3.loc[_natural(q2)[7::15], "class"] = "artificial"
    artificial = [i for i in (q2.sort_values("id").index if "id" in q2 else q2.index)
                  if _mainland(q2)[i] and q2.at[i, "class"] == "artificial"]
    q3.loc[artificial[::30], "class"] = "restored_natural"
    if len(artificial) > 40:
        q3 = _seaward(q3, artificial[40], land, 300.0)
    return [q1, q2, q3]


def write_demo_monitoring(atlas: Atlas, folder: OutputFolder, config=None) -> dict[str, Any]:
    """Build the demo's store (``monitoring/monitor.gpkg``) and write its report into ``monitoring/``; return the
    report's summary for ``report.json``."""
    if not atlas.names("coastline") or not atlas.names("district"):
        return {}
    target = folder.path("monitoring/monitor.gpkg")
    districts = atlas[atlas.names("district")[0]].drop(columns=["_row"], errors="ignore")
    with atomic_path(target) as tmp:
        store = open_store(tmp)
        store.init()
        for frame, (date, label) in zip(demo_history(atlas[atlas.names("coastline")[0]], districts), QUARTERS):
            store.add(frame, kind="coastline", date=date, sources=[], label=label, note=_NOTE, simulated=True)
        for name, date, label in (("redline_land_2020", "2020-12-31", "2020基线"), ("redline_land", "2025-12-31", "2025")):
            layer = _layer(atlas, config, name)
            if layer is not None:
                store.add(layer, kind="redline", date=date, sources=[], label=label, simulated=True,
                          note="illustrative red line of the demo (示意)")
        if atlas.names("restoration"):
            store.add(atlas[atlas.names("restoration")[0]].drop(columns=["_row"], errors="ignore"), kind="restoration",
                      date="2025-12-31", sources=[], label="2025", simulated=True, note="illustrative projects (示意)")
    store = open_store(target)
    bays = atlas[atlas.names("bay")[0]].drop(columns=["_row"], errors="ignore") if atlas.names("bay") else None
    result = monitor(store, zones=districts, bays=bays, config=config)
    result.store = Path(target).name
    write_monitor_report(result, folder, prefix="monitoring/")
    doc = monitor_report_dict(result)
    return {"store": "monitoring/monitor.gpkg", "report": "monitoring/report.html", "summary": doc["summary"],
            "simulated_surveys": doc["simulated_surveys"], "coastline_retention": doc["tables"].get("coastline_retention"),
            "coastline_change": doc["tables"].get("coastline_change"), "redline_area": doc["tables"].get("redline_area")}


def _layer(atlas: Atlas, config, name: str) -> gpd.GeoDataFrame | None:
    """A layer of the atlas, or one the audit config adds (the 2020 red-line baseline)."""
    if name in atlas.layers:
        return atlas[name].drop(columns=["_row"], errors="ignore")
    if config is not None and name in config.layers:
        from .io import read_layer

        spec = config.layers[name]
        return read_layer(Path(config.path).parent / spec["file"])
    return None
