"""Scripted audits (规划指标审计): a TOML config in, indicators against targets out.

A config names the layers (or a manifest holding them), the zones, the
settings and the indicators with their targets; it may start from a preset
(targets from a real plan, each citing its source) and override any of it.
:func:`load_config` checks the whole config up front against :data:`AUDIT_SPEC`
(errors name the key and its line); :func:`run_audit` measures every
indicator and returns an :class:`AuditResult`, which :mod:`ecozone.report`
writes as JSON, CSV, Markdown and HTML.

Config format (paths relative to the config file)::

    title = "烟台市 2025 目标审计"
    preset = "shandong-city-2025"      # optional: see PRESETS
    manifest = "manifest.toml"         # optional: layers and rasters from a manifest
    include = ["targets.toml"]         # optional: [indicators] of fragments (ecozone targets PLAN -o targets.toml)
    # crs = "EPSG:4549"                # optional measurement CRS

    [layers.redline_2020]              # more layers, same keys as a manifest's
    file = "redline_2020.gpkg"
    kind = "redline"
    crs = "gcj02"
    fields = { type = "红线类型" }

    [zones]
    districts = "districts"            # layer names
    bays = "bays"

    [settings]
    include_islands = false
    estuarine = "artificial"           # artificial | natural | exclude
    view_distance_m = 1000

    [indicators.coastline_retention]   # an indicator of the catalogue, by its id …
    target = 37
    [indicators.retention_sishili]     # … or any name, saying which indicator it is
    indicator = "coastline_retention"
    bay = "四十里湾"
    target = 40
    operator = "~"                     # 左右: passes when |value − target| ≤ tolerance
    tolerance = 2

Example
-------
>>> from ecozone.audit import INDICATORS, PRESETS
>>> INDICATORS["coastline_retention"].unit, PRESETS["national"]["indicators"]["coastline_retention"]["target"]
('%', 35)

The package, one job per module: :mod:`~ecozone.audit.spec` (what a config may hold),
:mod:`~ecozone.audit.checks`,
:mod:`~ecozone.audit.config` (loading), :mod:`~ecozone.audit.catalogue` (the indicators),
:mod:`~ecozone.audit.presets`, :mod:`~ecozone.audit.context` (what one run shares),
:mod:`~ecozone.audit.run` and :mod:`~ecozone.audit.inputs` (the files read, hashed).
"""

from __future__ import annotations

from ..measure.land_cover import land_cover_table  # noqa: F401  (importable from here, as before)
from ..measure.redline import redline_loss  # noqa: F401
from .catalogue import INDICATORS, Indicator
from .config import AuditConfig, load_atlas, load_config
from .presets import PRESETS
from .run import AuditResult, run_audit
from .spec import AUDIT_SPEC, SPEC, Choices

__all__ = ["AUDIT_SPEC", "Choices", "Indicator", "INDICATORS", "PRESETS", "SPEC", "AuditConfig", "AuditResult", "load_config", "load_atlas",
           "run_audit"]
