"""Where the embedded data (``layers/``) and map presets (``maps/``) live.

In a wheel they are installed in the package's data folder (``ecozone/data/layers``,
``ecozone/data/maps``: a folder of their own, so the ``ecozone.maps`` package does not
shadow the presets); in a source checkout they are the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

_PKG = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The ``layers`` or ``maps`` folder."""
    for candidate in (_PKG / "data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise InputError(f"ecozone's {name}/ folder is missing from the installation; fix: reinstall ecozone")


def dataset_dir(dataset: str = "yantai") -> Path:
    """Folder of an embedded dataset, e.g. ``layers/yantai``."""
    path = resource_dir("layers") / dataset
    if not (path / "manifest.toml").exists():
        have = sorted(p.name for p in resource_dir("layers").iterdir() if (p / "manifest.toml").exists())
        raise InputError(f"no embedded dataset {dataset!r}; fix: use one of {', '.join(have) or 'none'}")
    return path
