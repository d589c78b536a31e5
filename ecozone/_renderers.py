"""Renderers an :class:`~ecozone.atlas.Atlas` hands itself to (``Atlas.map``).

The atlas sits low in read → validate → measure → judge → render/export and the maps sit at the
top (they import the atlas and the result layers), so the atlas does not import them: ``Atlas.map``
looks its renderer up here, and :mod:`ecozone.maps` registers :func:`~ecozone.maps.render_map`
when it is imported.  Before anything has imported the maps, the renderer's provider is loaded by
its module name, written below as data (the way a packaging entry point names a plug-in), so
``ecozone.demo_atlas().map()`` works in a fresh interpreter and still loads folium only then.

Example
-------
>>> from ecozone._renderers import renderer
>>> renderer("map").__name__
'render_map'
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

__all__ = ["register", "renderer"]

_RENDERERS: dict[str, Callable[..., Any]] = {}
#: The module that registers each renderer when it is imported.
_PROVIDERS = {"map": "ecozone.maps"}


def register(name: str, func: Callable[..., Any]) -> None:
    """Make ``func`` the renderer called ``name``."""
    _RENDERERS[name] = func


def renderer(name: str) -> Callable[..., Any]:
    """The renderer called ``name``, its provider loaded first if nothing has registered it."""
    if name not in _RENDERERS and name in _PROVIDERS:
        import_module(_PROVIDERS[name])
    try:
        return _RENDERERS[name]
    except KeyError:
        raise LookupError(f"no renderer {name!r}; fix: use one of {', '.join(sorted({*_RENDERERS, *_PROVIDERS}))}") from None
