"""Basemaps (底图): the tile layers defined in ``maps/basemaps.toml``, or a tile URL template."""

from __future__ import annotations

import os
import re
import tomllib
from typing import Any
from urllib.parse import quote

from .._resources import resource_dir
from ..errors import InputError

__all__ = ["resolve_basemap"]


def _basemaps() -> dict[str, dict[str, Any]]:
    path = resource_dir("maps") / "basemaps.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def resolve_basemap(basemap: str, tianditu_key: str | None = None) -> dict[str, Any] | None:
    """The basemap's definition (None for ``none``); URL templates become a custom basemap."""
    if basemap in (None, "", "none"):
        return None
    if not isinstance(basemap, str):
        raise InputError(f"basemap {basemap!r}; fix: a basemap name or a tile URL template")
    if "{" in basemap:
        missing = [p for p in ("{x}", "{y}", "{z}") if p not in basemap]
        if missing or not re.match(r"^https?://", basemap):
            raise InputError(f"basemap {basemap!r}: a tile URL template needs http(s):// and {{x}}, {{y}}, {{z}}; "
                             f"fix: e.g. http://tiles.example.gov.cn/{{z}}/{{x}}/{{y}}.png")
        # braces only around Leaflet's placeholders: folium renders the page as a template, {{ … }} would run
        if re.search(r"[{}]", re.sub(r"\{[A-Za-z]+\}", "", basemap)):
            raise InputError(f"basemap {basemap!r}: braces in a tile URL template go only around a placeholder "
                             f"({{x}}, {{y}}, {{z}}, {{s}}); fix: write other braces as %7B and %7D")
        return {"label": {"zh": "底图", "en": "basemap"}, "tiles": [basemap], "attribution": "底图: 自定义瓦片 (custom tiles)",
                "review_no": "", "coords": "wgs84"}
    defs = _basemaps()
    if basemap not in defs:
        raise InputError(f"basemap {basemap!r} unknown; fix: use one of none, {', '.join(defs)} or a tile URL template with {{z}}/{{x}}/{{y}}")
    bm = dict(defs[basemap])
    if bm.get("key"):
        key = tianditu_key or os.environ.get("ECOZONE_TIANDITU_KEY")
        if not key:
            raise InputError(f"basemap {basemap}: Tianditu tiles need a key (tk); fix: pass --tianditu-key KEY or set "
                             f"ECOZONE_TIANDITU_KEY (a free browser key from the Tianditu console)")
        bm["tiles"] = [t.replace("{key}", quote(key, safe="")) for t in bm["tiles"]]  # a URL's query value, nothing else
    return bm
