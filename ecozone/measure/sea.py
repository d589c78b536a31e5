"""Sea zones (海域分区): the sea allocated to the nearest district's coast.

Marine layers — bays, marine ranches, the marine red line — lie at sea,
outside the land districts, so per-district figures for them need sea
zones.  When a city has no official sea-area polygons, :func:`sea_zones`
derives them: every point of sea within the seaward limit of the coastline
goes to the district whose coast is nearest (an equidistance rule, computed
as a Voronoi diagram of points along the coast).

The land border of the city (the districts' outline away from the coast)
takes part in the diagram too, as "not sea": sea that is nearer to the land
border than to the coast is left out.

Land is never sea.  The districts say only where the city's own land is;
pass ``land`` — polygons of the land around (the neighbouring cities, the
islands, or a shoreline's land polygons such as GSHHG's) — and no zone takes
any of it.  The coasts of the neighbours' part of that land then take part in
the diagram as "not ours": sea nearer to a neighbour's coast than to the city's
is left out (an equidistance line between the two).  Land beyond the districts
whose outline lies mostly nearer to the city's land border than to its
coastline is the neighbours' (a city beyond the border), and an island nearer
to their land than to the city; the rest is the city's own land drawn
otherwise (a reclamation, an island the coastline lacks): never sea, but its
shore does not cut the city's sea.  Without ``land`` the neighbours' land
within the seaward limit is counted as sea (a :class:`SeaZoneWarning` says
so; around Yantai that is some 830 km² of Weihai, Qingdao and Weifang by
DataV's city polygons, 527 km² by GSHHG's land), and near the two ends of the
city's coast the zones reach round the end up to the seaward limit.  Pass ``clip`` (an official
sea-area boundary) to cut them where the official boundary runs.  The result
is an approximation and says so in its ``approximate`` column.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import box, LineString
>>> districts = gpd.GeoDataFrame({"name": ["西区", "东区"]},
...     geometry=[box(0, -10_000, 10_000, 0), box(10_000, -10_000, 20_000, 0)], crs=4549)
>>> coast = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (20_000, 0)])], crs=4549)
>>> neighbours = gpd.GeoDataFrame(geometry=[box(20_000, -10_000, 30_000, 0)], crs=4549)
>>> zones = sea_zones(districts, coast, seaward_km=5, land=neighbours)
>>> zones[["name", "approximate"]].to_dict("records")
[{'name': '西区', 'approximate': True}, {'name': '东区', 'approximate': True}]
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import CRSError, GeometryError, SchemaError
from ..geometry import LINEAL, POLYGONAL, polygonal
from ..units import M2_PER_KM2, M_PER_KM
from ..prepare import prepare_layers

__all__ = ["sea_zones", "SeaZoneWarning", "TERRITORIAL_SEA_KM"]


class SeaZoneWarning(UserWarning):
    """Sea zones derived without the land around the city: land may have been counted as sea."""


#: 12 nautical miles, the breadth of the territorial sea (领海), in km.
TERRITORIAL_SEA_KM = 22.224

#: A piece of the districts' outline away from the coast is land border when it
#: reaches at least this far inland (metres); shorter strays are coast drawn differently.
_INLAND_M = 10_000.0


def sea_zones(
    districts: gpd.GeoDataFrame,
    coastline: gpd.GeoDataFrame,
    seaward_km: float = 22.2,
    *,
    zone_field: str = "name",
    spacing_m: float = 200.0,
    coast_tolerance_m: float = 1000.0,
    clip: gpd.GeoDataFrame | None = None,
    land: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Allocate the sea within ``seaward_km`` of the coastline to the nearest district (近似海域分区).

    Parameters
    ----------
    districts : land district polygons (they should tile the city)
    coastline : coastline lines (mainland and islands); polygons are taken by their outline
    seaward_km : seaward limit measured from the coastline (default 22.2 km ≈ 12 nautical miles)
    zone_field : column of ``districts`` naming each district
    spacing_m : distance between the coast points of the Voronoi diagram; smaller is finer
    coast_tolerance_m : parts of the districts' outline farther than this from the
        coastline, and reaching at least 10 km (or 5 tolerances) inland, are land
        border (the neighbours' side)
    clip : optional polygons the zones must stay inside (an official sea-area boundary)
    land : polygons of land that is never sea: the neighbouring cities, islands, a
        shoreline's land polygons (the city's own land may be included).  The coasts
        of its neighbours' part (see above), farther than ``coast_tolerance_m`` from
        ``coastline``, are the neighbours': sea nearer to them than to the city's
        coast is left out.  Without it a :class:`SeaZoneWarning` says that land
        outside the districts may be counted as sea.

    Returns
    -------
    GeoDataFrame, one row per district that has sea, in the districts' measurement
    CRS: ``name``, ``district``, ``area_km2``, ``approximate`` (always True), geometry.
    ``attrs["notes"]`` says what was reprojected.
    """
    if zone_field not in districts.columns:
        raise SchemaError(f"districts: no field '{zone_field}' to name the districts; fix: pass zone_field=")
    if seaward_km <= 0 or spacing_m <= 0:
        raise ValueError("seaward_km and spacing_m must be positive")
    notes: list[str] = []
    coast_lines = _as_lines(coastline)
    extra = {name: layer for name, layer in (("clip", clip), ("land", land)) if layer is not None}
    districts, others = prepare_layers(districts, extra, notes)
    if coast_lines.crs is not None and not coast_lines.crs.equals(districts.crs):
        coast_lines = coast_lines.to_crs(districts.crs)
    names = districts[zone_field].astype(str).to_numpy()
    land_parts = districts.geometry.values
    city = shapely.union_all(land_parts)
    coast = shapely.line_merge(shapely.union_all(coast_lines.geometry.values))
    if coast.is_empty or city.is_empty:
        return _frame([], [], districts.crs, notes)
    land_area = None if land is None else shapely.union_all(others["land"].geometry.values)

    # Points along the coast, each labelled with the nearest district.
    coast_pts = _points_along(coast, spacing_m)
    tree = shapely.STRtree(land_parts)
    nearest = tree.query_nearest(coast_pts, return_distance=False, all_matches=False)[1]
    labels = nearest.astype(int)

    # Points along the land border (outline away from the coast), labelled -1: not sea.
    # Pieces of the outline that merely stray from the coastline (estuaries, harbours drawn
    # differently by two sources) stay near it; the real land border runs far inland.
    outline = shapely.boundary(city)
    border = shapely.get_parts(shapely.line_merge(shapely.difference(outline, shapely.buffer(coast, coast_tolerance_m))))
    border = border[np.isin(shapely.get_type_id(border), LINEAL)]
    reach = np.array([shapely.distance(shapely.points(shapely.get_coordinates(b)), coast).max() for b in border])
    border = border[reach >= max(_INLAND_M, 5 * coast_tolerance_m)]
    border_pts = _points_along(border, spacing_m) if len(border) else np.array([], dtype=object)
    if land_area is not None:
        # the coasts of the neighbours' land (not of land the city's coastline merely draws differently):
        # the neighbours' side
        theirs = _neighbours(land_area, city, coast, border, spacing_m)
        if not theirs.is_empty:
            their_coast = shapely.intersection(shapely.boundary(land_area), shapely.buffer(theirs, 1.0))
            their_coast = shapely.difference(their_coast, shapely.buffer(coast, coast_tolerance_m))
            border_pts = np.concatenate([border_pts, _points_along(their_coast, spacing_m)])

    points = np.concatenate([coast_pts, border_pts])
    point_labels = np.concatenate([labels, np.full(len(border_pts), -1)])
    points, first = np.unique(shapely.get_coordinates(points).round(3), axis=0, return_index=True)
    point_labels = point_labels[first]
    seaward_m = seaward_km * M_PER_KM
    within_limit = shapely.buffer(coast, seaward_m)
    sea = shapely.difference(within_limit, city)
    if land_area is not None:
        if not shapely.intersects(land_area, within_limit):
            warnings.warn(f"{others['land'].attrs.get('source', 'land')}: no land polygon lies within {seaward_km:g} km "
                          "of the coastline, so none is left out of the sea; fix: give the land around the city "
                          "(check the file and its CRS)", SeaZoneWarning, stacklevel=2)
        at_sea = shapely.area(sea)
        sea = shapely.difference(sea, land_area)
        if at_sea > 0 and shapely.area(sea) < 0.01 * at_sea:
            warnings.warn(f"{others['land'].attrs.get('source', 'land')}: the land covers {1 - shapely.area(sea) / at_sea:.0%} "
                          f"of the sea within {seaward_km:g} km of the coastline; fix: give land polygons, not the sea "
                          "or a bounding box", SeaZoneWarning, stacklevel=2)
    if clip is not None:
        sea = shapely.intersection(sea, shapely.union_all(others["clip"].geometry.values))
    extent = shapely.buffer(shapely.envelope(sea), seaward_m)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extent))
    # voronoi_polygons does not keep the input order: find each cell's generating point.
    cell_tree = shapely.STRtree(cells)
    which_pt, which_cell = cell_tree.query(shapely.points(points), predicate="intersects")
    cell_label = np.full(len(cells), -1)
    order = np.argsort(which_cell, kind="stable")
    cell_label[which_cell[order]] = point_labels[which_pt[order]]

    geoms, kept = [], []
    for i in np.unique(point_labels[point_labels >= 0]):
        region = shapely.coverage_union_all(cells[cell_label == i])
        zone = shapely.intersection(sea, region)
        zone = polygonal(zone)
        if zone.is_empty:
            continue
        geoms.append(zone)
        kept.append(i)
    notes.append(
        f"sea zones approximate: sea within {seaward_km:g} km of the coastline allocated to the nearest "
        "district's coast (not official sea-area boundaries)"
    )
    if land is None:
        message = ("sea zones derived without land polygons: land outside the districts (neighbouring cities, "
                   "islands) within the seaward limit may be counted as sea; fix: pass land= "
                   "with the land around the city, e.g. the neighbouring cities or GSHHG land polygons")
        notes.append("no land polygons given: land outside the districts may be counted as sea")
        warnings.warn(message, SeaZoneWarning, stacklevel=2)
    else:
        notes.append(f"land never sea: {len(others['land'])} land polygon(s) left out of the sea, and sea nearer to "
                     "their coasts than to the city's coastline left out too (equidistance)")
    return _frame([names[i] for i in kept], geoms, districts.crs, notes)


def _neighbours(land_area, city, coast, border, spacing_m: float):
    """The part of ``land_area`` outside the city that is the neighbours' land.

    A piece of land joined to the city is the neighbours' when most of its outline is nearer to the
    city's land border than to its coastline (a neighbouring city beyond the border), and the city's
    own when nearer to the coastline (a reclamation, an intertidal fringe, a shore drawn seaward by
    another source).  A detached piece (an island) is the neighbours' when it is nearer to their land
    than to the city.
    """
    rest = shapely.get_parts(shapely.difference(land_area, city))
    rest = rest[shapely.area(rest) > 1.0]
    if not len(rest) or not len(border):
        return shapely.Polygon()
    edge = shapely.union_all(border)
    joined = shapely.dwithin(rest, city, 1.0)
    theirs = np.zeros(len(rest), dtype=bool)
    for i in np.flatnonzero(joined):
        pts = _points_along(shapely.boundary(rest[i]), max(5 * spacing_m, 1000.0))  # a vote: a coarse sample will do
        theirs[i] = np.mean(shapely.distance(pts, edge) < shapely.distance(pts, coast)) > 0.5
    if theirs.any() and (~joined).any():
        neighbour_land = shapely.union_all(rest[theirs])
        detached = np.flatnonzero(~joined)
        theirs[detached] = shapely.distance(rest[detached], neighbour_land) < shapely.distance(rest[detached], city)
    return shapely.union_all(rest[theirs])


def _as_lines(coastline: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if coastline.crs is None:
        source = coastline.attrs.get("source", "coastline")
        raise CRSError(f"{source}: layer: has no CRS; fix: add a .prj or declare it (declared_crs=EPSG:xxxx when reading)")
    geoms = coastline.geometry.values
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    polygons = np.isin(shapely.get_type_id(geoms), POLYGONAL)
    if polygons.any():
        geoms = geoms.copy()
        geoms[polygons] = shapely.boundary(geoms[polygons])
    if not np.isin(shapely.get_type_id(geoms), LINEAL).all():
        raise GeometryError("coastline: needs lines (or polygons whose outline is the coast); fix: give the coastline layer")
    return gpd.GeoDataFrame(geometry=np.asarray(geoms), crs=coastline.crs)


def _points_along(lines, spacing: float) -> np.ndarray:
    """Points every ``spacing`` metres along each part of ``lines``, vertices included."""
    parts = shapely.get_parts(lines)
    parts = parts[np.isin(shapely.get_type_id(parts), LINEAL)]
    dense = shapely.segmentize(parts, spacing)
    return shapely.points(shapely.get_coordinates(dense))


def _frame(names, geoms, crs, notes) -> gpd.GeoDataFrame:
    area = shapely.area(np.asarray(geoms, dtype=object)) / M2_PER_KM2 if geoms else np.array([])
    out = gpd.GeoDataFrame(
        {
            "name": pd.Series(names, dtype="object"),
            "district": pd.Series(names, dtype="object"),
            "area_km2": area,
            "approximate": np.ones(len(names), dtype=bool),
        },
        geometry=list(geoms),
        crs=crs,
    )
    out.attrs["notes"] = notes
    return out
