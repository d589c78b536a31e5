"""The inputs of an audit run (输入文件): every file with its path, sha256 and feature count."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atlas import Atlas

if TYPE_CHECKING:
    from .config import AuditConfig


def audit_inputs(atlas: Atlas, config: AuditConfig) -> list[dict[str, Any]]:
    """Every input file with its path (relative to the config), sha256 and feature count."""
    rows = [{"name": "config", "kind": "config", "path": config.path.name, "sha256": config.sha256, "features": None}]
    for layer in atlas.layers.values():
        rows.append({"name": layer.name, "kind": layer.kind, "path": _relative(layer.path, config.path.parent),
                     "sha256": _sha256(layer.path), "features": layer.report.features_read if layer.report else len(layer.frame)})
    for raster in atlas.rasters.values():
        rows.append({"name": raster.name, "kind": raster.kind, "path": _relative(raster.path, config.path.parent),
                     "sha256": _sha256(raster.path), "features": None})
    return rows


def _relative(path: str | None, base: Path) -> str | None:
    if path is None:
        return None
    import os

    try:
        return Path(os.path.relpath(path, base.resolve())).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _sha256(path: str | None) -> str | None:
    """sha256 of the file (what ``sha256sum`` prints); for a Shapefile, of its .shp, .shx, .dbf, .prj and .cpg in
    that order; for a folder (a FileGDB), the monitoring store's content hash over its files."""
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        from ..store.base import content_hash

        return content_hash([p])
    parts = [p.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")] if p.suffix.lower() == ".shp" else [p]
    digest = hashlib.sha256()
    for part in parts:
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()
