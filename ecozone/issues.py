"""What validation finds (校验报告): an :class:`Issue`, one layer's :class:`LayerReport`, an atlas's
:class:`ValidationReport`, and the :class:`Checker` the checks of :mod:`ecozone.checks` report through.

Every issue prints as one line naming the file, the feature and the fix.

Example
-------
>>> issue = Issue("error", "crs", "missing_crs", "a.shp", "layer", "has no coordinate reference system", "add a .prj")
>>> str(issue)
'a.shp: layer: has no coordinate reference system; fix: add a .prj'
>>> type(issue.exception()).__name__
'CRSError'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import CRSError, EcozoneError, GeometryError, SchemaError

__all__ = ["Issue", "LayerReport", "ValidationReport", "Checker", "EXCEPTIONS"]

#: The exception class raised for an issue of each category.
EXCEPTIONS = {"crs": CRSError, "geometry": GeometryError, "schema": SchemaError}


@dataclass
class Issue:
    """One problem found in a layer."""

    severity: str  # "error" or "warning"
    category: str  # "crs", "geometry" or "schema"
    rule: str  # short rule id, e.g. "missing_field"
    source: str  # file path or layer name
    feature: str  # "feature 5 (name=芝罘区)" or "layer"
    problem: str
    fix: str
    count: int = 1
    location: tuple[float, float] | None = None  # lon, lat

    def __str__(self) -> str:
        where = f" near ({self.location[0]:.5f}, {self.location[1]:.5f})" if self.location else ""
        return f"{self.source}: {self.feature}: {self.problem}{where}; fix: {self.fix}"

    def exception(self) -> EcozoneError:
        return EXCEPTIONS[self.category](str(self))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["message"] = str(self)
        if self.location is not None:
            d["location"] = [round(self.location[0], 6), round(self.location[1], 6)]
        return d


@dataclass
class LayerReport:
    """What validation found and did in one layer."""

    name: str
    kind: str
    source: str
    features_read: int = 0
    features_kept: int = 0
    repaired: int = 0
    dropped_empty: int = 0
    dropped_degenerate: int = 0  # collapsed to nothing when repaired (a ring of identical points, zero area)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what ecozone did: conversions, reprojections

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "features_read": self.features_read,
            "features_kept": self.features_kept,
            "repaired": self.repaired,
            "dropped_empty": self.dropped_empty,
            "dropped_degenerate": self.dropped_degenerate,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "notes": list(self.notes),
        }


@dataclass
class ValidationReport:
    """Validation reports of every layer of an atlas."""

    layers: list[LayerReport] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for r in self.layers for i in r.errors]

    @property
    def warnings(self) -> list[Issue]:
        return [i for r in self.layers for i in r.warnings]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "layers": [r.to_dict() for r in self.layers],
        }


class Checker:
    """Collects the issues of one layer into its report; with ``strict``, raises the first."""

    def __init__(self, report: LayerReport, strict: bool):
        self.report = report
        self.strict = strict

    def add(self, severity: str, category: str, rule: str, feature: str, problem: str, fix: str, **kw: Any) -> None:
        issue = Issue(severity, category, rule, self.report.source, feature, problem, fix, **kw)
        self.report.issues.append(issue)
        if self.strict:
            raise issue.exception()
