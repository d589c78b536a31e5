"""Measurements: pure functions from GeoDataFrames in a projected CRS to tables."""

from .area import area_table

__all__ = ["area_table"]
