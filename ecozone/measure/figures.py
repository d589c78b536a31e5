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


def figures(atlas: Any) -> AtlasFigures:
    """The one :class:`AtlasFigures` of ``atlas`` (made on first use, dropped with the atlas)."""
    found = _BY_ATLAS.get(id(atlas))
    if found is None or found._atlas() is not atlas:
        found = AtlasFigures(atlas)
        _BY_ATLAS[id(atlas)] = found
        weakref.finalize(atlas, _BY_ATLAS.pop, id(atlas), None)
    return found
