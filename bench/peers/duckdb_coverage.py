"""Covered area per district with DuckDB spatial (the bench's peer "duckdb").

Usage: ``python duckdb_coverage.py ZONES.gpkg LAYER.gpkg OUT.csv [LAYER_CRS]``

The spatial extension comes from the PyPI package ``duckdb-extension-spatial``
(DuckDB cannot download it here): it is loaded from the package's folder.
The layer is dissolved with ``ST_Union_Agg`` so overlapping polygons count
once, then intersected with each district; the zones are in EPSG:4549, and a
layer in another CRS (``LAYER_CRS``, e.g. EPSG:4326) is transformed to it
first, so ``ST_Area`` is planar square metres.
Writes ``zone,covered_ha``.
"""

import sys
from pathlib import Path

import duckdb
import duckdb_extension_spatial


def spatial_extension() -> Path:
    """The extension file shipped for this duckdb version."""
    root = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    return root / f"v{duckdb.__version__}" / "spatial.duckdb_extension"


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def main(zones_path: str, layer_path: str, out_path: str, layer_crs: str | None = None) -> None:
    con = duckdb.connect()
    con.execute(f"LOAD {sql_string(str(spatial_extension()))}")
    geom = "geom" if not layer_crs else f"ST_Transform(geom, {sql_string(layer_crs)}, 'EPSG:4549', always_xy := true)"
    con.execute(f"""
        COPY (
            WITH covered AS (SELECT ST_Union_Agg({geom}) AS geom FROM ST_Read({sql_string(layer_path)}))
            SELECT d.name AS zone, ST_Area(ST_Intersection(d.geom, c.geom)) / 10000 AS covered_ha
            FROM ST_Read({sql_string(zones_path)}) AS d, covered AS c
        ) TO {sql_string(out_path)} (HEADER, DELIMITER ',')
    """)


if __name__ == "__main__":
    main(*sys.argv[1:5])
