"""The page elements ecozone adds to a folium map (title, legend, credits) and the page's stylesheet.

Their HTML and script go into the page verbatim: folium renders its elements' output again as a
Jinja2 template, so text from files must never become template source.
"""

from __future__ import annotations

from typing import Any

from branca.element import Element, MacroElement
from folium.template import Template

__all__ = ["Attribution", "CSS", "HtmlControl", "Verbatim"]

_FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


class Verbatim(Element):
    """HTML or script put into the page as it is: unlike a branca ``Element``, never parsed as a template."""

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "Verbatim"
        self.html = str(html_text)

    def render(self, **kwargs: Any) -> str:
        return self.html


class _Script(MacroElement):
    """A MacroElement whose script is rendered once.

    branca puts a MacroElement's rendered script into the page as a new template, rendered again
    with the page: text in it would be evaluated.  Here the script goes in :class:`Verbatim`, so
    the strings its template inserts (with ``|tojson``) stay data.
    """

    def render(self, **kwargs: Any) -> None:
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(Verbatim(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class HtmlControl(_Script):
    """A Leaflet control (or a free-floating box) holding HTML that ecozone built from escaped text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var box = L.control({position: {{ this.position|tojson }}});
            box.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            box.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str, css_class: str):
        super().__init__()
        self._name = "EcozoneControl"
        self.html, self.position, self.css_class = html_text, position, css_class


class Attribution(_Script):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "EcozoneAttribution"
        self.html = html_text


CSS = """
.leaflet-container { font-family: %(fonts)s; }
.ecozone-title { background: rgba(255,255,255,0.92); padding: 6px 12px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 60vw; }
.ecozone-title h1 { font-size: 17px; margin: 0; }
.ecozone-title p { font-size: 12px; margin: 2px 0 0; color: #555; }
.ecozone-legend { background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px; font-size: 12px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-height: 60vh; overflow-y: auto; line-height: 18px; }
.ecozone-legend h2 { font-size: 13px; margin: 0 0 4px; }
.ecozone-legend h3 { font-size: 12px; margin: 6px 0 2px; font-weight: 600; }
.ecozone-legend .row { display: flex; align-items: center; gap: 6px; }
.ecozone-legend .sw { display: inline-block; width: 16px; height: 12px; box-sizing: border-box; flex: none; }
.ecozone-legend .sw.line { height: 0; border-top-style: solid; }
.ecozone-legend .sw.point { width: 11px; height: 11px; border-radius: 50%%; }
.ecozone-legend .row.single { font-weight: 600; margin-top: 4px; }
.leaflet-control-attribution { font-size: 11px; line-height: 1.35; max-width: 70vw; }
.ecozone-review { background: rgba(255,255,255,0.85); padding: 1px 6px; font-size: 11px; color: #333; }
.foliumtooltip, .foliumpopup { font-family: %(fonts)s; }
.foliumtooltip th, .foliumpopup th { text-align: left; padding-right: 8px; font-weight: 600; }
""" % {"fonts": _FONTS}
