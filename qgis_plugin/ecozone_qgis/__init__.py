"""ecozone for QGIS: a Processing provider that runs the ecozone command of a configured environment."""


def classFactory(iface):
    from .plugin import EcozonePlugin

    return EcozonePlugin(iface)
