"""Peer of ``ecozone land-use --zones``: what a geopandas user writes — overlay, area, 田坎 deduction, groupby.

    python bench/peers/geopandas_land_use.py DLTB.gpkg ZONES.gpkg OUT.csv

Planar areas in the inputs' CRS (EPSG:4549); rows ``zone, class, area_ha`` (net of 田坎, which is a row
``1203`` of its own), as ``ecozone land-use --area-method planar`` writes them.
"""

import sys

import geopandas as gpd
import pandas as pd

survey_path, zones_path, out = sys.argv[1:4]
survey = gpd.read_file(survey_path, columns=["DLBM", "KCXS"], use_arrow=True)
zones = gpd.read_file(zones_path, use_arrow=True)[["name", "geometry"]]
pieces = gpd.overlay(survey, zones, how="intersection", keep_geom_type=True)
area = pieces.geometry.area
kcxs = pieces["KCXS"].fillna(0.0)
net = pd.DataFrame({"zone": pieces["name"], "class": pieces["DLBM"], "m2": area * (1 - kcxs)})
ridge = pd.DataFrame({"zone": pieces["name"], "class": "1203", "m2": area * kcxs})
table = pd.concat([net, ridge[ridge["m2"] > 0]]).groupby(["zone", "class"], as_index=False)["m2"].sum()
table["area_ha"] = table["m2"] / 10_000
table[["zone", "class", "area_ha"]].to_csv(out, index=False, encoding="utf-8-sig")
