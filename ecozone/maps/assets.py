"""Leaflet for the page: from the CDN, or inlined (offline) from the PyPI package ``django-js-lib-leaflet``."""

from __future__ import annotations

import base64
import re
from importlib import resources

from ..errors import EcozoneError

__all__ = ["leaflet_head"]

#: Leaflet from CDN for online maps (the same version the offline copy inlines).
_LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/"


def leaflet_head(offline: bool) -> str:
    """The page head's Leaflet: inline (``offline``: script, stylesheet and images) or links to the CDN."""
    if offline:
        return _offline_assets()
    return f'<link rel="stylesheet" href="{_LEAFLET_CDN}leaflet.css"/><script src="{_LEAFLET_CDN}leaflet.js"></script>'


def _leaflet_file(name: str) -> bytes:
    try:
        return (resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet" / name).read_bytes()
    except ModuleNotFoundError:
        raise EcozoneError("offline maps need the package django-js-lib-leaflet (Leaflet 1.9.4); fix: pip install ecozone again") from None


def _offline_assets() -> str:
    """Leaflet's stylesheet (with its images as data URIs) and script, inline."""
    css = _leaflet_file("leaflet.css").decode("utf-8")

    def data_uri(match: re.Match) -> str:
        name = match.group(1)
        png = base64.b64encode(_leaflet_file(f"images/{name}")).decode("ascii")
        return f"url(data:image/png;base64,{png})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    js = _leaflet_file("leaflet.js").decode("utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover - Leaflet 1.9.4 has neither
        raise EcozoneError("Leaflet's files cannot be inlined as they are; fix: report this ecozone bug")
    return re.sub(r"\r\n?", "\n", f"<style>{css}</style><script>{js}</script>")  # Leaflet's CSS has CRLF line ends
