"""The Processing provider "ecozone": one algorithm per entry of algorithms.json, and the setting that says
which ecozone command runs them."""

from __future__ import annotations

import json
import os

from qgis.core import QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithm import EXECUTABLE, EcozoneAlgorithm
from .strings import strings

HERE = os.path.dirname(os.path.abspath(__file__))


def load_spec(path=os.path.join(HERE, "algorithms.json")):
    """algorithms.json: written by ``ecozone qgis-plugin`` from ecozone's own commands."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class EcozoneProvider(QgsProcessingProvider):
    def __init__(self):
        super().__init__()
        self._icon = QIcon(os.path.join(HERE, "icon.svg"))

    def id(self):
        return "ecozone"

    def name(self):
        return strings()["provider"]

    def longName(self):
        return strings()["provider_long"]

    def icon(self):
        return self._icon

    def svgIconPath(self):
        return os.path.join(HERE, "icon.svg")

    def supportedOutputVectorLayerExtensions(self):
        return ["gpkg", "geojson"]

    def load(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting

            ProcessingConfig.settingIcons[self.name()] = self._icon
            ProcessingConfig.addSetting(Setting(self.name(), EXECUTABLE, strings()["setting_executable"], "",
                                                valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        except ImportError:  # without the processing plugin there is no options page: ecozone on PATH
            pass
        self.refreshAlgorithms()
        return True

    def unload(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig

            ProcessingConfig.removeSetting(EXECUTABLE)
        except (ImportError, KeyError):
            pass

    def loadAlgorithms(self):
        try:
            spec = load_spec()
        except (OSError, ValueError):
            QgsMessageLog.logMessage(strings()["no_json"], "ecozone")
            return
        for entry in spec["algorithms"]:
            self.addAlgorithm(EcozoneAlgorithm(entry, spec["groups"], self._icon))
