"""Writing maps: the page's HTML, written atomically, with a warning when it is too large."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium

from ..atlas import Atlas
from ..errors import InputError
from ..io import write_text
from .presets import SIZE_LIMIT_MB, load_preset, preset_names
from .render import render_map

__all__ = ["MapSizeWarning", "map_html", "write_map", "write_maps"]


class MapSizeWarning(UserWarning):
    """A map is larger than its size limit."""


def map_html(m: folium.Map) -> str:
    """The map's whole HTML page."""
    return m.get_root().render()


def write_map(m: folium.Map, out: str | os.PathLike, *, overwrite: bool = True, size_limit_mb: float | None = None) -> Path:
    """Write the map's HTML atomically; warn (:class:`MapSizeWarning`) when it is over the size limit."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{out}: a map is an HTML page; fix: name the output .html")
    if out.is_dir():
        raise InputError(f"{out}: is a folder; fix: name an .html file")
    page = map_html(m)
    size_mb = len(page.encode("utf-8")) / 1e6
    preset = getattr(m, "ecozone_preset", None)
    limit = size_limit_mb if size_limit_mb is not None else (preset.size_limit_mb if preset else SIZE_LIMIT_MB)
    if size_mb > limit:
        tol = preset.simplify_m if preset else 0
        warnings.warn(
            f"{out}: the map is {size_mb:.1f} MB, over {limit:g} MB: browsers slow down; fix: copy the preset "
            f"({preset.path.name if preset else 'maps/NAME.toml'}), raise simplify_m (now {tol:g} m) or leave out large "
            f"layers, and pass the copy as PRESET", MapSizeWarning, stacklevel=2)
    return write_text(out, page, overwrite=overwrite)


def write_maps(atlas: Atlas, folder: str | os.PathLike, presets: Sequence[str] | None = None, **kwargs: Any) -> list[Path]:
    """Write every preset's map (default: all shipped presets) as ``folder/PRESET.html``."""
    chosen = [load_preset(p) for p in (presets or preset_names())]  # every preset checked before anything is written
    maps = [render_map(p, atlas, **kwargs) for p in chosen]
    return [write_map(m, Path(folder) / f"{p.name}.html") for p, m in zip(chosen, maps)]
