"""The README's screenshot of the plugin's audit dialog, taken headless with QGIS's own Python.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 docs/qgis_dialog_screenshot.py PLUGINS_DIR docs/qgis-audit-dialog.png

(the committed PNG was then reduced to 128 colours with Pillow's quantize, to keep the repository small).

PLUGINS_DIR holds ecozone_qgis/ (unzipped from `ecozone qgis-plugin --zip DIR`).  The dialog is
opened as the Processing Toolbox opens it, with the demo audit's config and an example output folder
filled in, and grabbed to PNG (nothing is run).
"""

import os
import sys

from qgis.core import QgsApplication, QgsProcessingAlgorithm

plugins, out = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
app = QgsApplication([], True)
app.initQgis()
sys.path[:0] = [plugins, os.path.join(QgsApplication.pkgDataPath(), "python", "plugins")]

from processing.core.Processing import Processing  # noqa: E402
from processing.gui.AlgorithmDialog import AlgorithmDialog  # noqa: E402

Processing.initialize()
import ecozone_qgis  # noqa: E402

plugin = ecozone_qgis.classFactory(None)
plugin.initProcessing()
alg = QgsApplication.processingRegistry().createAlgorithmById("ecozone:audit")
assert isinstance(alg, QgsProcessingAlgorithm), "the ecozone provider did not load"
dialog = AlgorithmDialog(alg, False, None)
dialog.setParameters({"config": os.path.join(root, "layers", "yantai", "audit.toml"), "lang": 0,
                      "OUTPUT": "/home/gis/yantai-audit-2025"})
dialog.resize(900, 560)
dialog.show()
for _ in range(20):
    app.processEvents()
dialog.grab().save(out)
print("wrote", out)
dialog.close()
plugin.unload()
app.exitQgis()
