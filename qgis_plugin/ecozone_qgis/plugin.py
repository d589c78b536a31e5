"""The plugin: it adds the "ecozone" provider to QGIS's Processing (toolbox, models, qgis_process)."""

from qgis.core import QgsApplication

from .provider import EcozoneProvider


class EcozonePlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        self.provider = EcozoneProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
