"""An atlas's figures, each measured once (一张图的量测结果): what the demo, the audit, the result layers
and the maps all draw from.

:func:`figures` hands out one :class:`AtlasFigures` per atlas.  Its methods
measure a figure the first time it is asked for — with these layers and
these settings — and return the same result after that, so a demo that
reports the retention, audits it, maps it and exports it measures it once.
The results are shared: read them, do not change them.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> figures(atlas).retention() is figures(atlas).retention()
True
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["AtlasFigures", "figures"]

_BY_ATLAS: dict[int, AtlasFigures] = {}


class AtlasFigures:
    """The figures of one atlas, memoised by what they were measured with (layer names and settings)."""

    def __init__(self, atlas: Any):
        self._atlas = weakref.ref(atlas)  # never keeps an atlas alive
        self._memo: dict[Any, Any] = {}

    @property
    def atlas(self) -> Any:
        atlas = self._atlas()
        if atlas is None:
            raise ReferenceError("the atlas of these figures is gone")
        return atlas

    def once(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()`` the first time ``key`` is asked for, the same result after that."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def _first(self, kind: str) -> str | None:
        names = self.atlas.names(kind)
        return names[0] if names else None

    def retention(self, *, districts: str | None = None, bays: str | None = None, zone_field: str = "name",
                  include_islands: bool = False, estuarine: str = "artificial"):
        """:func:`ecozone.measure.coastline.coastline_retention` of the first coastline layer, per district
        (``districts``: a layer name, default the first district layer) and per bay (``bays``, default the first
        bay layer)."""
        from .coastline import coastline_retention

        coast = self._first("coastline")
        districts = districts or self._first("district")
        bays = bays or self._first("bay")
        atlas = self.atlas
        key = ("retention", coast, districts, bays, zone_field, include_islands, estuarine)
        return self.once(key, lambda: coastline_retention(
            atlas[coast], zones=atlas[districts] if districts else None, bays=atlas[bays] if bays else None,
            zone_field=zone_field, include_islands=include_islands, estuarine=estuarine))

    def conflicts(self, *, search_m: float = 1000.0):
        """:func:`ecozone.measure.conflicts.atlas_conflicts` of the atlas."""
        from .conflicts import atlas_conflicts

        return self.once(("conflicts", float(search_m)), lambda: atlas_conflicts(self.atlas, search_m=search_m))

    def coastline_change(self, later: str, make_later: Callable[[], Any]):
        """:func:`ecozone.measure.change.coastline_change` of the first coastline layer against a later survey
        named ``later`` (``make_later()`` gives it the first time): ``(summary, changes)``."""
        from .change import coastline_change

        coast = self._first("coastline")
        return self.once(("coastline_change", coast, later),
                         lambda: coastline_change(self.atlas[coast], make_later()))


    def coverage(self, of: str = "redline", realm: str | None = "land", *, districts: str | None = None,
                 zone_field: str = "name"):
        """:func:`ecozone.measure.coverage.coverage` of the districts (a layer name, default the first district
        layer) by every layer of kind ``of`` (its ``realm`` part: land or marine; None: all of it)."""
        from .conflicts import of_realm
        from .coverage import coverage

        districts = districts or self._first("district")
        atlas = self.atlas
        return self.once(("coverage", of, realm, districts, zone_field), lambda: coverage(
            atlas[districts], of_realm(atlas.of_kind(of), realm), zone_field=zone_field))

    def river_designation(self, *, districts: str | None = None, zone_field: str = "name", until: int | None = None):
        """:func:`ecozone.measure.rivers.river_designation` of the first river layer: ``(by_zone, undesignated)``."""
        from .rivers import river_designation

        rivers, districts = self._first("river"), districts or self._first("district")
        atlas = self.atlas
        return self.once(("river_designation", rivers, districts, zone_field, until), lambda: river_designation(
            atlas[rivers], atlas[districts], zone_field=zone_field, until=until))

    def mines_in_view(self, distance_m: float | None = None, *, observer_m: float = 1.7, target_m: float = 0.0,
                      curvature_coeff: float | None = None):
        """:func:`ecozone.measure.visible_range.atlas_mines_in_view` of the atlas, with its first DEM if any."""
        from .sight import DEFAULT_CURVATURE_COEFF
        from .visible_range import DEFAULT_VIEW_DISTANCE_M, atlas_mines_in_view

        distance_m = float(DEFAULT_VIEW_DISTANCE_M if distance_m is None else distance_m)
        cc = float(DEFAULT_CURVATURE_COEFF if curvature_coeff is None else curvature_coeff)
        key = ("mines_in_view", distance_m, float(observer_m), float(target_m), cc)
        return self.once(key, lambda: atlas_mines_in_view(self.atlas, distance_m, observer_m=observer_m, target_m=target_m,
                                                          curvature_coeff=cc))

    def land_cover(self, raster: str, *, districts: str | None = None, zone_field: str = "name"):
        """:func:`ecozone.measure.land_cover.land_cover_table` of a land-cover raster of the atlas per district."""
        from .land_cover import land_cover_table

        districts = districts or self._first("district")
        atlas = self.atlas
        return self.once(("land_cover", raster, districts, zone_field), lambda: land_cover_table(
            atlas.rasters[raster], atlas[districts], zone_field))


    def land_use(self, *, districts: str | None = None, zone_field: str = "name", area_method: str = "ellipsoidal"):
        """:func:`ecozone.measure.land_use.land_use` of the first land_survey layer per district (二级 classes)."""
        from .land_use import land_use

        survey, districts = self._first("land_survey"), districts or self._first("district")
        atlas = self.atlas
        return self.once(("land_use", survey, districts, zone_field, area_method), lambda: land_use(
            atlas[survey], atlas[districts], level=2, area_method=area_method, zone_field=zone_field))


def figures(atlas: Any) -> AtlasFigures:
    """The one :class:`AtlasFigures` of ``atlas`` (made on first use, dropped with the atlas)."""
    found = _BY_ATLAS.get(id(atlas))
    if found is None or found._atlas() is not atlas:
        found = AtlasFigures(atlas)
        _BY_ATLAS[id(atlas)] = found
        weakref.finalize(atlas, _BY_ATLAS.pop, id(atlas), None)
    return found
