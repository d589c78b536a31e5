"""Stores of dated surveys for monitoring over time (监测库): a GeoPackage file or a PostGIS database.

``open_store(location)`` gives a :class:`~ecozone.store.base.Store` for a path (GeoPackage, the embedded
default: one file to copy or back up) or a ``postgresql://`` URL (PostGIS, for a department's shared
database).  Both hold the same tables and give the same surveys back; surveys are never overwritten:
a correction is a new version that supersedes the old one, which stays readable.

Example
-------
>>> import tempfile, pathlib, geopandas as gpd
>>> from shapely.geometry import LineString
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> store = open_store(folder / "monitor.gpkg")
>>> store.init()
>>> src = folder / "coast.geojson"
>>> gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[LineString([(121, 37.5), (121.01, 37.5)])], crs=4490).to_file(src)
>>> s = store.add(gpd.read_file(src), kind="coastline", date="2026-09-30", sources=[src], label="2026Q3")
>>> s.name, [x.id for x in store.current()]
('#1 coastline 2026-09-30 (2026Q3)', [1])
"""

from __future__ import annotations

import os

from .base import LOCK_TIMEOUT_S, Store, Survey, content_hash, mask_text, mask_url

__all__ = ["open_store", "is_url", "Store", "Survey", "content_hash", "mask_url", "mask_text", "LOCK_TIMEOUT_S"]


def is_url(location: str | os.PathLike) -> bool:
    """``location`` names a database (``postgresql://…``), not a file."""
    return str(location).lower().startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def open_store(location: str | os.PathLike) -> Store:
    """The store at ``location``: a PostgreSQL URL (PostGIS) or a GeoPackage path."""
    if is_url(location):
        from .postgis import PostGISStore

        return PostGISStore(str(location))
    from .gpkg import GeoPackageStore

    return GeoPackageStore(location)
