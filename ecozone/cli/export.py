"""``ecozone export``: layers and result layers as GeoJSON (RFC 7946), GeoPackage, CSV or Shapefile."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from ..schema import EXPORT_FORMATS


@click.command("export")
@click.option("--atlas", "atlas_dir", type=click.Path(path_type=Path), default=None,
              help="Folder with manifest.toml (or the manifest file).")
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="An audit config: its layers, and its conflict findings for the findings layer.")
@click.option("--layers", default=None, help="Layers to write, comma-separated (default: all, unless --results alone).")
@click.option("--results", is_flag=True, help="Add the result layers: coverage per district, retention, coastline "
                                              "segments, setback zones, river buffers, findings.")
@click.option("-f", "--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), required=True,
              help="geojson (RFC 7946), gpkg, csv (WKT geometry) or shp (only if you must: 10-character field names).")
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="A .gpkg file, a .geojson file for one layer, or a folder.")
@click.option("--crs", default=None, help="Output CRS of gpkg/csv/shp: an EPSG code (default 4490, CGCS2000), "
                                          "'measurement', or 'gcj02' to shift to AMap's coordinates (any format).")
@click.option("--precision", type=int, default=7, show_default=True, help="GeoJSON decimals.")
@click.option("--bbox", is_flag=True, help="Write GeoJSON bbox members.")
@click.option("--overwrite", is_flag=True, help="Replace existing files of the export's names (nothing else is touched).")
@click.option("--raw-csv", is_flag=True, help="CSV: write text cells untouched, for machine pipelines (by default a cell "
              "starting with = + - @ gets a leading ' so that Excel does not run it as a formula).")
@click.pass_context
def export_command(ctx, atlas_dir, config, layers, results, fmt, out, crs, precision, bbox, overwrite, raw_csv):
    """Write layers and result layers for QGIS/ArcGIS (atomic; GCJ-02 only with --crs gcj02)."""
    from ..export import check_target, export
    from ._common import load_layers
    from ._progress import say, step

    check_target(out, fmt, overwrite=overwrite)  # before the layers are read (and, with --config, the audit run)
    atlas, audit, _ = load_layers(atlas_dir, config, "ecozone export --atlas my_city/ -f gpkg -o city.gpkg")
    step("read", 0.5, "read the layers" + (" and ran the audit" if audit is not None else ""))
    findings = audit.tables.get("conflicts") if audit is not None else None
    names = [n.strip() for n in layers.split(",") if n.strip()] if layers else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = export(atlas, out, fmt, layers=names, results=results, findings=findings, crs=crs,
                         precision=precision, bbox=bbox, overwrite=overwrite, neutralise=not raw_csv)
    step("written", 0.98, f"{len(written)} file(s)")
    for w in caught:
        if not ctx.obj.get("quiet"):
            say(str(w.message), warning=True)
    click.echo(f"wrote {len(written)} file(s) to {out}")
