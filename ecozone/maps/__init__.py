"""Folium HTML maps from the presets in ``maps/`` (专题图).

A preset (TOML) says which layers a map shows, in which order, how each is
coloured (one style, by class, or a classed choropleth), which fields its
tooltips and popups show and what the legend says.  :func:`render_map` builds
a :class:`folium.Map` from a preset and an :class:`~ecozone.atlas.Atlas`;
:func:`write_map` writes it atomically and warns when it is too large.

What the map embeds is a display copy: simplified in the measurement CRS
(the district mosaic with coverage simplification, so neighbours keep one
shared border), reprojected to WGS84, coordinates rounded to 6 decimals
(≈ 0.1 m), only the shown fields, every value HTML-escaped (attribute
values are text, never markup).  On AMap tiles (GCJ-02) the display copy
is shifted to GCJ-02; the atlas and every export stay unshifted.

Text from files (names, titles, sources, preset labels) is never template
source: folium renders its elements' output again as a Jinja2 template, so
:func:`text` also writes ``{`` and ``}`` as character references
(``{{7*7}}`` shows as typed), and ecozone's own elements go into the page
verbatim.  Inside ``<script>`` the text is JSON with ``<`` escaped: a name
cannot end the script or open a comment.

``offline=True`` inlines Leaflet's script, stylesheet and images (from the
PyPI package ``django-js-lib-leaflet``) so the file opens with no network:
with ``basemap="none"`` it makes no request at all, with a tile basemap only
tile requests.

The package, in the order a map is made: :mod:`~ecozone.maps.presets` (reading and checking a
preset), :mod:`~ecozone.maps.basemaps`, :mod:`~ecozone.maps.sources` (what each preset layer
draws), :mod:`~ecozone.maps.labels` (field and value labels, :func:`text`),
:mod:`~ecozone.maps.styles` and :mod:`~ecozone.maps.legend`, :mod:`~ecozone.maps.display`
(display copies), :mod:`~ecozone.maps.elements` and :mod:`~ecozone.maps.assets` (the page),
:mod:`~ecozone.maps.layer` (one layer drawn: folium GeoJSON, or above
:data:`~ecozone.maps.canvas.CANVAS_THRESHOLD` features one canvas, :mod:`~ecozone.maps.canvas` with its
script :mod:`~ecozone.maps.canvas_js`), :mod:`~ecozone.maps.render` (:func:`render_map`),
:mod:`~ecozone.maps.quick` (:func:`quick_map`: any files, no preset) and :mod:`~ecozone.maps.write`.

Example
-------
>>> import ecozone
>>> from ecozone.maps import render_map
>>> m = render_map("overview", ecozone.demo_atlas(), offline=True)
>>> type(m).__name__
'Map'
"""

from .. import _renderers
from .basemaps import resolve_basemap
from .labels import MEASURED_FIELDS, text
from .presets import SIZE_LIMIT_MB, Preset, load_preset, preset_names
from .quick import QuickLayer, quick_map
from .render import render_map
from .sources import SOURCES
from .write import MapSizeWarning, map_html, write_map, write_maps

__all__ = ["Preset", "MapSizeWarning", "QuickLayer", "load_preset", "preset_names", "quick_map", "render_map",
           "resolve_basemap", "write_map", "write_maps", "SIZE_LIMIT_MB"]

# Atlas.map() draws with this: atlas sits below the maps and does not import them (see ecozone._renderers)
_renderers.register("map", render_map)
