"""How the standalone commands take their inputs: one reader, one CRS rule, one number type.

* :func:`reads` adds ``--input-crs`` (every input) and one ``--X-crs`` per
  input option ``--X`` of a command (``--zones-crs``, ``--layer-crs`` …; a
  per-input option wins over ``--input-crs``), and hands the command an
  :class:`Inputs` in place of those options.
* :func:`read_input` reads one input and checks it against its layer kind
  (:data:`ecozone.schema.KINDS`) as an atlas does, with
  :func:`ecozone.validate.validate_layer` (``strict=False``): the first error
  is raised as the atlas raises it (one line naming the file, the feature and
  the fix), warnings (repairs, dropped features) go to stderr.  Inputs that
  take any polygons (``coverage --layer``, ``setback --check`` …) get the
  geometry checks only.
* :data:`POSITIVE`, :data:`NON_NEGATIVE`, :data:`FINITE`: a click float type
  that refuses ``nan`` and ``inf`` besides what is out of range, and
  :data:`YEAR` for ``--until``: click's usage error, exit 2, one line.

Example
-------
>>> import click
>>> @click.command()
... @click.option("--zones")
... @click.option("--layer", "layers", multiple=True)
... @reads("--zones", "--layer")
... def cmd(zones, layers, inputs):
...     click.echo(inputs.crs("--zones"))
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cmd, ["--zones", "z.gpkg", "--zones-crs", "gcj02"]).output
'gcj02\\n'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from ..errors import CRSError, EcozoneError, GeometryError, SchemaError
from ._progress import say

__all__ = ["Number", "POSITIVE", "NON_NEGATIVE", "FINITE", "YEAR", "CRSParam", "Inputs", "reads", "read_input", "check_layer"]


class Number(click.FloatRange):
    """A float in a range that is also finite: click's FLOAT takes ``nan`` and ``inf``, this refuses them."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return rv


#: Distances, widths, spacing and lengths that must be more than 0 (m, km, ha).
POSITIVE = Number(min=0.0, min_open=True)
#: Distances and widths where 0 means "touching" or "none" (m).
NON_NEGATIVE = Number(min=0.0)
#: Any finite number.
FINITE = Number()
#: A plan year: targets run to 2035 and beyond, surveys back to the 1950s.
YEAR = click.IntRange(1900, 2100)


class CRSParam(click.ParamType):
    """An EPSG code / WKT / PROJ string, or ``gcj02`` / ``bd09``: checked when parsed, kept as given."""

    name = "crs"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..crs import parse_crs

        try:
            parse_crs(value, what="")
        except CRSError:
            self.fail(f"{value!r} is not a known coordinate reference system (give an EPSG code such as EPSG:4490, "
                      "a WKT/PROJ string, or gcj02/bd09)", param, ctx)
        return value


def _crs_dest(option: str) -> str:
    return option.lstrip("-").replace("-", "_") + "_crs"


#: Under cli.run, the last frame read per option, kept to the quick exit (never freed object by object: 1M geometries,
#: 0.18 s); layers read one after another (``setback --check …``) are freed as before.  None under ``main``.
held: dict | None = None


class Inputs:
    """The CRS each input of one command run is declared in, and the reader that applies it.

    ``declared`` maps each input option (``"--zones"``) to its ``--X-crs``
    value (None when not given); ``input_crs`` is ``--input-crs``;
    ``given`` maps each input option to whether a file was given for it.
    """

    def __init__(self, declared: Mapping[str, str | None], input_crs: str | None, given: Mapping[str, bool],
                 quiet: bool = False):
        self.declared = dict(declared)
        self.input_crs = input_crs
        self.given = dict(given)
        self.quiet = quiet
        self._said = False

    def crs(self, option: str) -> str | None:
        """The CRS declared for ``option``'s files: its own ``--X-crs``, else ``--input-crs``, else None."""
        if option not in self.declared:
            raise KeyError(f"{option} is not an input option of this command")
        own = self.declared[option]
        return own if own is not None else self.input_crs

    def applied_to(self) -> list[str]:
        """The input options ``--input-crs`` applies to: given, and without their own ``--X-crs``."""
        return [o for o, given in self.given.items() if given and self.declared.get(o) is None]

    def say_applied(self) -> None:
        """One line on stderr (unless -q): which inputs ``--input-crs`` was applied to (once per run)."""
        if self._said or self.input_crs is None:
            return
        self._said = True
        if self.quiet:
            return
        to = self.applied_to()
        own = [f"{o} ({_crs_flag(o)} {self.declared[o]})" for o, g in self.given.items() if g and self.declared.get(o) is not None]
        text = f"--input-crs {self.input_crs} applied to {', '.join(to) if to else 'no input'}"
        if own:
            text += f"; not to {', '.join(own)}"
        say(text)

    def read(self, path: str | Path, option: str, kind: str | None = None, **kwargs: Any):
        """:func:`read_input` of ``path`` given to ``option``, in the CRS declared for it."""
        self.say_applied()
        frame = read_input(path, option, kind, crs=self.crs(option), quiet=self.quiet, **kwargs)
        if held is not None:
            held[option] = frame
        return frame

    def big(self, path: str | Path, option: str, kind: str | None, name: str, run: Mapping[str, Any], **kwargs: Any):
        """A layer the measure reads itself: read and checked whole with the geopandas engine,
        partition by partition (not checked against its kind) with dask."""
        self.say_applied()
        if run.get("engine") == "dask":
            from ..dask_engine import partitioned

            return partitioned(path, name, declared_crs=self.crs(option), partitions=run.get("partitions"))
        return self.read(path, option, kind, **kwargs)


def _crs_flag(option: str) -> str:
    return f"{option}-crs"


def reads(*options: str) -> Callable:
    """Decorator: ``--input-crs`` and one ``--X-crs`` per input option ``--X`` given here (the options
    themselves are declared by the command, above this decorator); the command gets ``inputs``
    (an :class:`Inputs`) in place of them."""

    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ctx = click.get_current_context()
            dests = {}
            for param in ctx.command.params:
                for opt in getattr(param, "opts", []):
                    if opt in options:
                        dests[opt] = param.name
            missing = [o for o in options if o not in dests]
            if missing:  # a wiring mistake, not a user's
                raise RuntimeError(f"{ctx.command.name}: @reads names {missing}, which the command does not have")
            given = {}
            for opt in options:
                value = ctx.params.get(dests[opt])
                given[opt] = bool(value) if isinstance(value, (tuple, list)) else value is not None
            declared = {opt: kwargs.pop(_crs_dest(opt)) for opt in options}
            input_crs = kwargs.pop("input_crs")
            quiet = bool((ctx.find_root().obj or {}).get("quiet"))
            kwargs["inputs"] = Inputs(declared, input_crs, given, quiet=quiet)
            return f(*args, **kwargs)

        for opt in reversed(options):
            wrapper = click.option(
                _crs_flag(opt),
                _crs_dest(opt),
                type=CRSParam(),
                default=None,
                metavar="CRS",
                help=f"CRS the {opt} file(s) are really in (EPSG code, or gcj02/bd09); wins over --input-crs.",
            )(wrapper)
        return click.option(
            "--input-crs",
            type=CRSParam(),
            default=None,
            metavar="CRS",
            help="CRS every input is really in when its file does not say it or says it wrongly: an EPSG code, "
            "or gcj02 / bd09 for AMap / Baidu coordinates (converted to WGS84); --X-crs sets it for one input --X.",
        )(wrapper)

    return decorate


# ---------------------------------------------------------------------------------------------- reading


def read_input(path: str | Path, option: str, kind: str | None = None, *, crs: Any = None, quiet: bool = False,
               to_crs: Any = None, **checks: Any):
    """Read the file given to ``option`` and check it as an atlas checks a layer of ``kind``.

    Parameters
    ----------
    path : the file
    option : the command's option that named it (``"--zones"``), for messages
    kind : a key of :data:`ecozone.schema.KINDS`, or None for a layer of any
        attributes (only the CRS and the geometry ``families`` are checked)
    crs : the declared CRS (``--X-crs`` / ``--input-crs``)
    quiet : no warnings on stderr
    to_crs : the measurement CRS, when known: the layer is reprojected to it as it is read, in place,
        so that a large layer is never held twice (``attrs["reprojected_from"]`` keeps its CRS for the
        measure's note)
    **checks : the keywords of :func:`check_layer` (``fields``, ``need``, ``families``, ``id_field`` …)

    Returns
    -------
    The layer as read, its columns and codes as in the file (the measures read them), with what
    validation did to the geometry: repaired geometries repaired, features that collapsed to
    nothing left out — as in an atlas, and said on stderr, so a dropped feature never counts in a
    figure.
    """
    from ..io import read_layer
    from ..validate import field_renames

    gdf = read_layer(path, declared_crs=crs)
    issues, checked = check_layer(gdf, str(path), option, kind, coordinates_checked=True, **checks)
    if not quiet:
        for issue in issues:
            say(issue, warning=True)
    if checked is not None:
        attrs = dict(gdf.attrs)
        # the frame is this function's own: no feature dropped, no rows to copy (copy-on-write does the rest)
        gdf = gdf.copy(deep=False) if checked.index.equals(gdf.index) else gdf.loc[checked.index].copy()
        gdf[gdf.geometry.name] = checked.geometry.values
        # fields under their Chinese name, an alias or a Shapefile's cut name (restoratio) under ecozone's,
        # as in an atlas; the columns an option names stay as they are (the measure is told their name)
        named = {column for column, _ in (checks.get("fields") or {}).values()}
        renames = {c: f for c, f in field_renames(gdf.columns, kind).items() if c not in named and f not in gdf.columns}
        gdf = gdf.rename(columns=renames)
        gdf.attrs.update(attrs)
    if to_crs is not None and gdf.crs is not None and not gdf.crs.equals(to_crs):
        from ..crs import reproject_frame

        gdf.attrs["reprojected_from"] = gdf.crs
        gdf = reproject_frame(gdf, to_crs, in_place=True)  # the frame is this function's own
    return gdf


def check_layer(
    gdf,
    source: str,
    option: str,
    kind: str | None = None,
    *,
    coordinates_checked: bool = False,
    fields: Mapping[str, tuple[str, str]] | None = None,
    need: tuple[str, ...] | None = None,
    families: tuple[str, ...] | None = None,
    id_field: tuple[str, str] | None = None,
    id_required: bool = False,
    mosaic: bool = False,
    unique_ids: bool = True,
    drawn_twice_ahead: bool = False,
) -> tuple[list[str], Any]:
    """The checks of :func:`read_input` on a frame: raise the first error; return the warnings (as text) and the
    validated frame (None for a layer of any attributes, whose measures repair it themselves).

    Parameters
    ----------
    gdf, source, option, kind : the layer, the file it came from, the option that named it, its kind (or None)
    fields : ``{field of the kind: (column, option)}`` for columns named by an
        option, e.g. ``{"name": ("县名", "--zone-field")}``: the column must
        exist (a one-line error naming the option otherwise)
    need : the kind's required fields this command uses (default: all of
        them); a missing field it does not use is no error
    families : geometry families a generic layer (``kind=None``) takes
    id_field : ``(column, option)``: the column of ids of a generic layer, unique where present
    id_required : the ``id_field`` column must exist (the option was given explicitly)
    mosaic : warn about gaps and overlaps between districts (for ``kind="district"``)
    unique_ids : refuse repeated ids (a river's segments may share one)
    drawn_twice_ahead : a coastline retention measure follows (:func:`ecozone.validate.validate_layer`)
    """
    import numpy as np
    import shapely

    from ..geometry import any_of
    from ..validate import validate_layer

    geoms = np.asarray(gdf.geometry.values)
    # before its fields (an empty GeoJSON has none)
    if not any_of(lambda g: ~(shapely.is_missing(g) | shapely.is_empty(g)), geoms):
        what = "has no features" if len(gdf) == 0 else f"none of its {len(gdf)} features has a geometry"
        raise GeometryError(f"{source}: layer: {what} (given to {option}); fix: give the layer with its features"
                            " (or leave the option out where it is optional)")
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for ours, (column, flag) in (fields or {}).items():
        if column not in gdf.columns:
            raise SchemaError(f"{source}: no field {column!r} for {flag} (fields: {_listing(columns)}); "
                              f"fix: pass {flag} with the column that holds the {ours}")
    if id_field is not None and id_required and id_field[0] not in gdf.columns:
        column, flag = id_field
        raise SchemaError(f"{source}: no field {column!r} for {flag} (fields: {_listing(columns)}); "
                          f"fix: pass {flag} with the column that holds the ids")
    if kind is None:
        _check_generic(gdf, source, option, families, id_field[0] if id_field and unique_ids else None)
        return [], None
    mapping = {ours: column for ours, (column, _) in (fields or {}).items() if column != ours}
    frame = gdf
    clash = [ours for ours in mapping if ours in frame.columns]
    if clash:  # the file has a column named like the field besides the one the option names
        frame = frame.drop(columns=clash)
    if not unique_ids and "id" in frame.columns:
        frame = frame.drop(columns="id")
    checked, report = validate_layer(frame, kind, name=option, source=source, fields=mapping or None,
                                     sliver_m2=10_000.0 if mosaic else math.inf, coordinates_checked=coordinates_checked,
                                     drawn_twice_ahead=drawn_twice_ahead)
    from ..schema import KINDS
    required = {f.name for f in KINDS[kind].required}
    skip = required - set(need) if need is not None else set()
    errors = [i for i in report.errors
              if not (i.rule in ("missing_field", "missing_value") and any(f"'{s}'" in i.problem for s in skip))]
    if errors:
        raise _one_line(errors)
    return [str(i) for i in report.warnings], checked


def _one_line(errors: list) -> EcozoneError:
    """The first error as the atlas raises it, with what else is wrong named after it (one line)."""
    first = errors[0]
    exc = first.exception()
    if len(errors) > 1:
        others = "; ".join(i.problem for i in errors[1:4]) + ("; …" if len(errors) > 4 else "")
        n = len(errors) - 1
        exc = type(exc)(f"{first} (and {n} more problem{'s' if n > 1 else ''}: {others})")
    return exc


def _check_generic(gdf, source: str, option: str, families: tuple[str, ...] | None, id_column: str | None) -> None:
    """A layer of any attributes: a CRS, geometries of the families it takes, unique ids."""
    import numpy as np
    import shapely

    from ..fields import repeated_ids
    from ..geometry import FAMILY, any_extent

    if gdf.crs is None:
        raise CRSError(f"{source}: layer: has no coordinate reference system; fix: add a .prj (or a CRS to the "
                       f"GeoPackage/GeoJSON), or declare it with {_crs_flag(option)} (or 'gcj02' for AMap/Gaode data)")
    given = np.asarray(gdf.geometry.values)
    types = shapely.get_type_id(given)
    # perhaps only invalid ones (a bow tie's signed areas cancel): repaired, to be sure, and judged by the types
    # they had (a flat ring that make_valid turns into a line has no area)
    if not any_extent(given, types) and not any_extent(shapely.make_valid(given), types):
        raise GeometryError(f"{source}: layer: none of its {len(gdf)} features has an area, a length or a place "
                            f"(degenerate geometries, given to {option}); fix: redraw the features (a ring needs three "
                            "distinct corners enclosing an area)")
    if families:
        wrong = (types >= 0) & ~np.isin(types, [t for t, family in FAMILY.items() if family in families])
        if wrong.any():
            pos = np.flatnonzero(wrong)
            found = sorted({gdf.geometry.values[i].geom_type for i in pos})
            more = f" and {len(pos) - 1} more" if len(pos) > 1 else ""
            raise GeometryError(
                f"{source}: {_feature(gdf, int(pos[0]))}{more}: geometry type {'/'.join(found)} given to {option}, "
                f"which takes {' or '.join(families)} geometries; fix: give {' or '.join(families)} geometries"
                + (" (buffer lines or points first if their area is meant)" if families == ("polygon",) else ""))
    if id_column is not None and id_column in gdf.columns:
        pos, values = repeated_ids(gdf[id_column])
        if len(pos):
            raise SchemaError(
                f"{source}: {_feature(gdf, int(pos[0]))} and {len(pos) - 1} more: {id_column} "
                f"{', '.join(values[:5])} used by more than one feature; fix: give every feature its own id")


def _feature(gdf, pos: int) -> str:
    import numpy as np

    row = gdf.iloc[pos]
    parts = [f"{c}={row[c]}" for c in ("id", "name") if c in gdf.columns and isinstance(row[c], (str, int, np.integer))
             and str(row[c]) != ""]
    return f"feature {pos}" + (f" ({', '.join(parts)})" if parts else "")


def _listing(columns: list) -> str:
    return ", ".join(str(c) for c in columns) or "none"
