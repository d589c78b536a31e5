"""Covered area per district, as a geopandas user writes it today (the bench's peer "geopandas").

Usage: ``python geopandas_coverage.py ZONES.gpkg LAYER.gpkg OUT.csv``

Reads both layers (pyogrio with Arrow), dissolves the layer so overlapping
polygons count once, intersects it with the districts and sums the area per
district.  A layer in another CRS (lon/lat) is reprojected to the zones' (EPSG:4549 in the bench).
Writes ``zone,covered_ha``.
"""

import sys

import geopandas as gpd


def main(zones_path: str, layer_path: str, out_path: str) -> None:
    zones = gpd.read_file(zones_path, engine="pyogrio", use_arrow=True)
    layer = gpd.read_file(layer_path, engine="pyogrio", use_arrow=True)
    if layer.crs != zones.crs:  # e.g. parcels in lon/lat: measured in the zones' projected CRS
        layer = layer.to_crs(zones.crs)
    dissolved = layer.dissolve()
    pieces = gpd.overlay(zones[["name", zones.geometry.name]], dissolved, how="intersection")
    covered = pieces.geometry.area.groupby(pieces["name"]).sum() / 10_000
    out = zones[["name"]].rename(columns={"name": "zone"})
    out["covered_ha"] = out["zone"].map(covered).fillna(0.0)
    out.to_csv(out_path, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:4])
