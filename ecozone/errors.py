"""Errors raised by ecozone.

Every error is an :class:`EcozoneError` and also an instance of the builtin
that a Python user would catch for it (``ValueError`` for bad values,
``OSError`` for files), as rasterio and shapely do.  The message is one line
that names the file, the feature and the fix; the CLI prints it and exits 2.

Example
-------
>>> from ecozone.errors import SchemaError
>>> try:
...     raise SchemaError("mines.gpkg: feature 3: status 'open' unknown; fix: use one of historic, production, closed")
... except ValueError as err:
...     print(err)
mines.gpkg: feature 3: status 'open' unknown; fix: use one of historic, production, closed
"""

from __future__ import annotations

__all__ = [
    "EcozoneError",
    "InputError",
    "CRSError",
    "SchemaError",
    "GeometryError",
    "ConfigError",
    "StoreError",
]


class EcozoneError(Exception):
    """Base class of every error ecozone raises on purpose."""


class InputError(EcozoneError, OSError):
    """A file cannot be found, read or written (文件错误)."""

    def __str__(self) -> str:  # OSError would format (errno, strerror) pairs
        return str(self.args[0]) if self.args else ""


class CRSError(EcozoneError, ValueError):
    """A coordinate reference system is missing, unknown or unfit for measuring (坐标系错误)."""


class SchemaError(EcozoneError, ValueError):
    """A field is missing, a code value is unknown, or ids repeat (属性错误)."""


class GeometryError(EcozoneError, ValueError):
    """A geometry has the wrong type or cannot be repaired (几何错误)."""


class ConfigError(EcozoneError, ValueError):
    """A configuration or manifest file is malformed (配置错误)."""


class StoreError(InputError):
    """A monitoring store cannot be opened or written, is locked by another writer, or refuses a survey (监测库错误)."""
