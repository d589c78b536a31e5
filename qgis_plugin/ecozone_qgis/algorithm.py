"""One ecozone command as a QGIS Processing algorithm, built from its entry in algorithms.json."""

from __future__ import annotations

import html
import os
import shlex
import tempfile

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingUtils,
    QgsVectorLayer,
)

from . import params, runner
from .strings import pick, strings

#: The provider's setting: the ecozone command (see runner.find_ecozone).
EXECUTABLE = "ECOZONE_EXECUTABLE"


def executable_setting():
    try:
        from processing.core.ProcessingConfig import ProcessingConfig

        return ProcessingConfig.getSetting(EXECUTABLE) or ""
    except Exception:  # processing not loaded: PATH only
        return ""


class EcozoneAlgorithm(QgsProcessingAlgorithm):
    def __init__(self, spec, groups, icon=None):
        super().__init__()
        self._spec, self._groups, self._icon = spec, groups, icon

    def createInstance(self):
        return EcozoneAlgorithm(self._spec, self._groups, self._icon)

    def name(self):
        return self._spec["id"]

    def displayName(self):
        return pick(self._spec["name"])

    def group(self):
        return pick(self._groups[self._spec["group"]])

    def groupId(self):
        return self._spec["group"]

    def icon(self):
        return self._icon if self._icon is not None else super().icon()

    def shortHelpString(self):
        words = strings()
        lines = [_html(self._spec["help"]), "",
                 "<b>{}</b> <code>ecozone {}</code>".format(words["help_command"], self._spec["command"]), "",
                 "<b>{}</b>".format(words["help_parameters"])]
        for p in self._spec["parameters"] + [self._spec["output"]]:
            lines.append("<b>{}</b>: {}".format(_html(p["flag"] or p["name"]), _html(p.get("help") or "")))
        return "<br>".join(lines)

    def initAlgorithm(self, config=None):
        by_name = {}
        for entry in self._spec["parameters"]:
            by_name[entry["name"]] = entry
            self.addParameter(params.build(entry, by_name))
        self.addParameter(params.build_output(self._spec["output"]))
        if self._spec["output"]["load"] or self._spec["output"]["type"] == "gpkg":
            self.addOutput(QgsProcessingOutputMultipleLayers("LAYERS", strings()["layers"]))

    def processAlgorithm(self, parameters, context, feedback):
        words = strings()
        try:
            prefix = runner.find_ecozone(executable_setting())
        except runner.RunnerError as exc:
            raise QgsProcessingException(str(exc))
        out = self._output_path(parameters, context, words)
        folder = tempfile.mkdtemp(prefix="ecozone_", dir=QgsProcessingUtils.tempFolder())
        inputs = params.Inputs(folder, feedback, words)
        values = {p["name"]: params.value(self, p, parameters, context, inputs) for p in self._spec["parameters"]}
        try:
            argv = runner.command_line(prefix, self._spec, values, out, extra=sorted(inputs.extra.items()))
        except runner.RunnerError as exc:
            raise QgsProcessingException(str(exc))
        feedback.pushCommandInfo(" ".join(shlex.quote(a) for a in argv))

        def progress(fraction, message):
            feedback.setProgress(100.0 * fraction)
            feedback.setProgressText(message)

        def line(text, is_error):
            if not is_error:
                feedback.pushConsoleInfo(text)

        def note(stage, message):  # ecozone's notes and warnings (JSON lines with --progress json) in QGIS's log
            text = words[stage].format(message=message)
            if stage == "warning" and hasattr(feedback, "pushWarning"):
                feedback.pushWarning(text)
            else:
                feedback.pushInfo(text)

        try:
            outcome = runner.run(argv, progress, line, feedback.isCanceled, cwd=folder, on_note=note)
        except runner.RunnerError as exc:
            raise QgsProcessingException(str(exc))
        if feedback.isCanceled():
            raise QgsProcessingException(words["canceled"])
        level, text = runner.verdict(outcome, inputs.layers, words, by_flag=self._layers_by_flag(inputs))
        if level == "error":
            raise QgsProcessingException(text)
        if level == "warning":
            feedback.pushWarning(text) if hasattr(feedback, "pushWarning") else feedback.reportError(text, False)
        results = {"OUTPUT": out}
        loaded = self._load(out, context)
        if self.outputDefinition("LAYERS") is not None:
            results["LAYERS"] = loaded
        return results

    def _layers_by_flag(self, inputs):
        """Each option → the names of the QGIS layers it is about: a layer option's own, a field option's layer's."""
        by_flag = dict(inputs.names)
        by_name = {p["name"]: p for p in self._spec["parameters"]}
        for p in self._spec["parameters"]:
            if p["type"] == "field" and p.get("parent") in by_name and p["flag"]:
                by_flag[p["flag"]] = inputs.names.get(by_name[p["parent"]]["flag"], [])
        return by_flag

    def _output_path(self, parameters, context, words):
        """The output's absolute path (a relative one is relative to QGIS's working folder, as for QGIS's own
        algorithms: ecozone runs in a temporary folder)."""
        kind = self._spec["output"]["type"]
        if kind == "layer":
            given = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
            if given.startswith("memory:") or not given:  # a temporary layer: a GeoPackage QGIS loads
                return QgsProcessingUtils.generateTempFilename(self._spec["id"] + ".gpkg")
            path = params.absolute(given)
            if not path.lower().endswith((".gpkg", ".geojson")):
                raise QgsProcessingException(words["output_format"].format(path=given))
            if path != given and context.willLoadLayerOnCompletion(given):  # QGIS loads the file it will find
                loads = dict(context.layersToLoadOnCompletion())
                loads[path] = loads.pop(given)
                context.setLayersToLoadOnCompletion(loads)
            return path
        if kind == "folder":
            path = self.parameterAsString(parameters, "OUTPUT", context)
            if not path or path == "TEMPORARY_OUTPUT":
                path = QgsProcessingUtils.generateTempFilename(self._spec["id"])
            return params.absolute(path)
        return params.absolute(self.parameterAsFileOutput(parameters, "OUTPUT", context))

    def _load(self, out, context):
        """The outputs loaded as layers and tables when the algorithm has finished (their ids)."""
        kind, load = self._spec["output"]["type"], self._spec["output"]["load"]
        if kind == "layer":  # a vector destination: QGIS loads it itself, named as the algorithm
            if context.willLoadLayerOnCompletion(out):
                context.layerToLoadOnCompletionDetails(out).name = self.displayName()
            return []
        files = [os.path.join(out, name) for name in load] if kind == "folder" else [out]
        ids = []
        for path in files:
            if not os.path.exists(path):
                continue
            for uri, name in _sublayers(path):
                if kind == "table":
                    name = self.displayName()
                layer = QgsVectorLayer(uri, name, "ogr")
                if not layer.isValid():
                    continue
                context.temporaryLayerStore().addMapLayer(layer)
                details = QgsProcessingContext.LayerDetails(name, context.project(), "OUTPUT")
                context.addLayerToLoadOnCompletion(layer.id(), details)
                ids.append(layer.id())
        return ids


def _html(text):
    """Help text as HTML: escaped, its line breaks kept (click's preformatted blocks: the output files' columns)."""
    return html.escape(text).replace("\n", "<br>")


def _sublayers(path):
    """``(uri, name)`` of each layer of a file: every layer of a GeoPackage, else the file."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if not path.lower().endswith(".gpkg"):
        return [(path, stem)]
    from osgeo import ogr  # GDAL's bindings come with QGIS

    source = ogr.Open(path)
    names = [source.GetLayer(i).GetName() for i in range(source.GetLayerCount())] if source is not None else []
    return [("{}|layername={}".format(path, n), n) for n in names] or [(path, stem)]
