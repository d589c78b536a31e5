"""A plan's own targets (规划目标): ``plan_targets(path_or_text)`` reads a plan (plain text in UTF-8 or
GBK/GB18030, ``.docx``, ``.pdf`` with a text layer, ``.html``) and returns every quantified target in it, mapped to
ecozone's indicator catalogue where ecozone measures it; :func:`targets_toml` writes the spatial ones as an
audit-config fragment that ``include = ["targets.toml"]`` brings into ``ecozone audit``.

One job per module: :mod:`~ecozone.plans.read` (files to text), :mod:`~ecozone.plans.grammar` (units, operators,
deadlines), :mod:`~ecozone.plans.extract` (sentences to targets), :mod:`~ecozone.plans.mapping` (targets to the
catalogue) and :mod:`~ecozone.plans.output` (JSON and TOML).

Example
-------
>>> [(t["indicator"], t["value"], t["unit"]) for t in plan_targets("滨海湿地修复面积不少于0.012万公顷。")]
[('restoration_area', 120.0, 'ha')]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .extract import extract_targets
from .output import targets_json, targets_toml
from .read import PLAN_SUFFIXES, REFUSED, read_plan

__all__ = ["plan_targets", "extract_targets", "read_plan", "targets_json", "targets_toml"]


def _is_path(value: str | Path) -> bool:
    if isinstance(value, Path):
        return True
    if "\n" in value or len(value) > 400:
        return False
    if Path(value).suffix.lower() in (*PLAN_SUFFIXES, *REFUSED):
        return True
    try:
        return Path(value).exists()
    except (OSError, ValueError):  # a long sentence is no file name (ENAMETOOLONG), nor one with NUL
        return False


def plan_targets(path_or_text: str | Path, *, year: int | None = None) -> list[dict[str, Any]]:
    """The quantified targets of a plan, given as a file (a :class:`~pathlib.Path`, or a string naming a file) or as
    its text; with ``year``, only the targets due that year.  Each target is a dict: ``indicator`` (a catalogue id or
    None), ``suggested_indicator``, ``label``, ``value`` (None for a blank in the text), ``unit``, ``operator``,
    ``tolerance`` (for ``~``), ``year``, ``scope``, ``params``, ``plan_value``/``plan_unit`` (as the plan writes
    them), ``quote`` (and ``quote_simplified`` for Traditional text), ``source`` {file, paragraph}, ``spatial`` and
    ``kind`` (``target``, or ``status`` for a figure already reached)."""
    if _is_path(path_or_text):
        path = Path(path_or_text)
        found = extract_targets(read_plan(path), file=path.name)
    else:
        found = extract_targets(str(path_or_text))
    if year is not None:
        found = [t for t in found if t["year"] == year]
    return found
