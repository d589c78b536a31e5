"""Measurements: pure functions from GeoDataFrames in a projected CRS to tables.

One module per measurement (``area``, ``coverage``, ``overlay`` kernels); the
public functions are re-exported by :mod:`ecozone`.
"""
