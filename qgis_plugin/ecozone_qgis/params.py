"""QGIS parameters built from an algorithm's entry in algorithms.json, and their values read back for ecozone."""

from __future__ import annotations

import os
import re

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsProcessingParameterVectorLayer,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

GEOMETRY = {
    "polygon": QgsProcessing.TypeVectorPolygon,
    "line": QgsProcessing.TypeVectorLine,
    "point": QgsProcessing.TypeVectorPoint,
    "any": QgsProcessing.TypeVectorAnyGeometry,
}
#: Files ecozone reads as they are: a layer whose source is one of these (the whole file, no filter) is not copied.
DIRECT = (".gpkg", ".geojson", ".json", ".shp", ".gdb", ".fgb", ".parquet")


def title(param):
    """A parameter's label: its ecozone flag (as the command line and the docs call it) and the first words of its
    help (all of it is the parameter's tooltip)."""
    label = (param["flag"] or param["name"]).lstrip("-")
    short = re.split(r"(?<=[.;:])\s", param.get("help") or "", maxsplit=1)[0].rstrip(".;: ")
    if short.count("(") > short.count(")"):  # cut inside a parenthesis: up to it
        short = short.split(" (")[0]
    if len(short) > 48:
        short = short[:46].rsplit(" ", 1)[0] + " …"
    return "{} — {}".format(label, short) if short else label


def build(param, by_name):
    """The QGIS parameter of one entry of ``parameters``; ``by_name`` holds the entries already seen (field parents)."""
    kind, name, optional = param["type"], param["name"], param["optional"]
    default = param.get("default")
    if kind == "layer":
        types = [GEOMETRY[param["geometry"]]]
        if param["multiple"]:
            p = QgsProcessingParameterMultipleLayers(name, title(param), types[0], None, optional)
        else:
            p = QgsProcessingParameterVectorLayer(name, title(param), types, None, optional)
    elif kind == "field" and not by_name[param["parent"]]["multiple"]:
        p = QgsProcessingParameterField(name, title(param), _field_default(default, param.get("many")), param["parent"],
                                        QgsProcessingParameterField.Any, bool(param.get("many")), True)
    elif kind == "enum":
        choices = param["choices"]
        index = [choices.index(d) for d in (default if isinstance(default, list) else [default]) if d in choices]
        value = (index if param["multiple"] else index[0]) if index else None
        p = QgsProcessingParameterEnum(name, title(param), choices, param["multiple"], value, optional or value is None)
    elif kind == "bool":
        p = QgsProcessingParameterBoolean(name, title(param), bool(default), True)
    elif kind in ("number", "integer"):
        number = QgsProcessingParameterNumber.Integer if kind == "integer" else QgsProcessingParameterNumber.Double
        p = QgsProcessingParameterNumber(name, title(param), number, default, optional or default is None)
        if param.get("minimum") is not None:
            p.setMinimum(param["minimum"])
        if param.get("maximum") is not None:
            p.setMaximum(param["maximum"])
    elif kind in ("file", "folder"):
        behavior = QgsProcessingParameterFile.Folder if kind == "folder" else QgsProcessingParameterFile.File
        p = QgsProcessingParameterFile(name, title(param), behavior, param.get("extension") or "", None, optional)
    else:  # text, and a field of several layers at once
        text = ",".join(default) if isinstance(default, list) else default
        p = QgsProcessingParameterString(name, title(param), text, False, True)
    if hasattr(p, "setHelp"):
        p.setHelp(param.get("help") or "")
    return p


def _field_default(default, many):
    if default is None:
        return None
    if many:
        return [f for f in str(default).split(",") if f]
    return default


def build_output(output):
    """The destination parameter of the algorithm's output."""
    kind, label = output["type"], title(output)
    if kind == "table":
        return QgsProcessingParameterFileDestination("OUTPUT", label, "CSV (*.csv)")
    if kind == "gpkg":
        return QgsProcessingParameterFileDestination("OUTPUT", label, "GeoPackage (*.gpkg)")
    if kind == "layer":
        return QgsProcessingParameterVectorDestination("OUTPUT", label, QgsProcessing.TypeVectorPolygon)
    return QgsProcessingParameterFolderDestination("OUTPUT", label)


class Inputs:
    """The files handed to ecozone, with the QGIS layer each came from (for messages)."""

    def __init__(self, folder, feedback, strings):
        self.folder, self.feedback, self.strings = folder, feedback, strings
        self.layers = {}  # path -> (layer name, temporary)
        self.extra = {}  # flag -> value: a GeoPackage layer's name for its --X-layer option
        self.names = {}  # flag -> the names of the QGIS layers given to it

    def path(self, layer, param):
        """A file ecozone can read holding ``layer``, as an absolute path (ecozone runs in another folder): its own
        file when that is the whole of it with the CRS its file says, else a GeoPackage written into the run's
        temporary folder (a subset, a layer of another provider, a layer whose CRS was assigned in QGIS)."""
        source = layer.source() if isinstance(layer, QgsVectorLayer) else str(layer)
        base, _, rest = source.partition("|")
        base = os.path.abspath(base) if base and not base.startswith(("/vsi", "memory")) else base
        if isinstance(layer, QgsVectorLayer):
            self.names.setdefault(param["flag"], []).append(layer.name())
        direct = isinstance(layer, QgsVectorLayer) and layer.providerType() == "ogr" and not layer.subsetString() \
            and os.path.splitext(base)[1].lower() in DIRECT and os.path.exists(base)
        sublayer = re.fullmatch(r"layername=([^|]+)", rest) if rest else None
        if direct and (not rest or (sublayer and param.get("sublayer_flag"))) \
                and not assigned_crs(layer, base, sublayer.group(1) if sublayer else None):
            if sublayer:
                self.extra[param["sublayer_flag"]] = sublayer.group(1)
            self.layers[base] = (layer.name(), False)
            return base
        if not isinstance(layer, QgsVectorLayer):
            raise QgsProcessingException("{}: not a vector layer".format(source))
        stem = re.sub(r"[^0-9A-Za-z_]+", "_", param["name"]) or "layer"
        target = os.path.join(self.folder, "{}_{}.gpkg".format(stem, len(self.layers)))
        self.feedback.pushInfo(self.strings["written_layer"].format(name=layer.name()))
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = param.get("layer_name") or stem
        options.fileEncoding = "UTF-8"
        result = QgsVectorFileWriter.writeAsVectorFormatV2(layer, target, layer.transformContext(), options)
        if result[0] != QgsVectorFileWriter.NoError:
            raise QgsProcessingException("{}: cannot be written for ecozone ({})".format(layer.name(), result[-1]))
        self.layers[target] = (layer.name(), True)
        return target


def assigned_crs(layer, path, name=None):
    """True when ``layer`` has a CRS its file ``path`` (its layer ``name``) does not say: assigned in QGIS (Layer
    Properties › Source), so ecozone, reading the file, would not see it.  A layer without a CRS is not: ecozone
    reads its file and says what is missing."""
    crs = layer.crs()
    if not crs.isValid():
        return False
    try:
        from osgeo import ogr  # GDAL's bindings come with QGIS

        source = ogr.Open(path)
        own = None
        if source is not None:
            found = source.GetLayerByName(name) if name else source.GetLayer(0)
            own = found.GetSpatialRef() if found is not None else None
    except Exception:  # GDAL cannot say: the file as it is
        return False
    if source is None:
        return False
    if own is None:
        return True
    theirs = QgsCoordinateReferenceSystem.fromWkt(own.ExportToWkt())
    if crs.authid() and crs.authid() == theirs.authid():
        return False
    return crs != theirs


def absolute(path):
    """A file path QGIS gave (relative to QGIS's working folder, as QGIS's own algorithms read it) made absolute:
    ecozone runs in another folder."""
    if not path or "://" in path or path.startswith(("memory:", "/vsi", "ogr:", "postgres:")):
        return path
    return os.path.abspath(os.path.expanduser(path))


def value(alg, param, parameters, context, inputs):
    """The value ecozone gets for ``param``: a path (or paths), text, a number, a bool, a list; None when not given."""
    name, kind = param["name"], param["type"]
    raw = parameters.get(name)
    if raw is None or raw == "" or raw == []:
        return None
    if kind == "layer":
        if param["multiple"]:
            return [inputs.path(layer, param) for layer in alg.parameterAsLayerList(parameters, name, context)]
        layer = alg.parameterAsVectorLayer(parameters, name, context)
        return None if layer is None else inputs.path(layer, param)
    if kind == "field" and isinstance(alg.parameterDefinition(name), QgsProcessingParameterField):
        fields = alg.parameterAsFields(parameters, name, context)
        return (fields if param.get("many") else fields[0]) if fields else None
    if kind == "enum":
        if param["multiple"]:
            return [param["choices"][i] for i in alg.parameterAsEnums(parameters, name, context)]
        return param["choices"][alg.parameterAsEnum(parameters, name, context)]
    if kind == "bool":
        return alg.parameterAsBoolean(parameters, name, context)
    if kind == "integer":
        return alg.parameterAsInt(parameters, name, context)
    if kind == "number":
        return alg.parameterAsDouble(parameters, name, context)
    if kind in ("file", "folder"):
        return absolute(alg.parameterAsFile(parameters, name, context)) or None
    text = alg.parameterAsString(parameters, name, context).strip()
    if param["multiple"] or param.get("many"):
        return [t.strip() for t in text.split(",") if t.strip()]
    return text or None
