"""What the indicators of one audit run share: the atlas, the zones and the settings (measurements are
made once per atlas by :func:`ecozone.measure.figures.figures`, which the demo, the result layers and the
maps share)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from ..atlas import Atlas
from ..errors import ConfigError


class Context:
    """What indicators share during one run: the atlas, the zones and the settings."""

    def __init__(self, atlas: Atlas, zones: dict[str, Any], settings: dict[str, Any]):
        self.atlas = atlas
        self.settings = settings
        self.zone_field = zones.get("zone_field", "name")
        self.districts_name = zones.get("districts") or next(iter(atlas.names("district")), None)
        self.bays_name = zones.get("bays") or next(iter(atlas.names("bay")), None)

    @property
    def districts(self) -> gpd.GeoDataFrame | None:
        return self.atlas[self.districts_name] if self.districts_name else None

    @property
    def bays(self) -> gpd.GeoDataFrame | None:
        return self.atlas[self.bays_name] if self.bays_name else None

    def first(self, kind: str) -> gpd.GeoDataFrame | None:
        names = self.atlas.names(kind)
        return self.atlas[names[0]] if names else None


def zone_row(table: pd.DataFrame, zone: str | None, column: str = "zone") -> pd.Series | None:
    from ..prepare import TOTAL

    rows = table[table[column].astype(str) == (zone if zone is not None else TOTAL)]
    return rows.iloc[0] if len(rows) else None


def unknown_zone(ctx: Context, zone: str, what: str = "district") -> ConfigError:
    names = ctx.districts[ctx.zone_field].astype(str).tolist() if what == "district" else ctx.bays["name"].astype(str).tolist()
    return ConfigError(f"no {what} named {zone!r}; fix: use one of {', '.join(names)}")
