"""Helpers shared by the subcommands: reading inputs and writing tables.

Only click and ecozone's light modules are imported here at module level (``ecozone --help`` and every
``CMD --help`` import no pandas or geopandas); the rest is imported where it is used."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

from typing import TYPE_CHECKING

import click

from ..errors import InputError
from ..outputs import check_not_inputs, check_writable

if TYPE_CHECKING:
    import pandas as pd


#: What ``-o`` of a command that writes a table may name.
TABLE_FORMATS = (".csv", ".json")


def area_method_option(default: str = "planar"):
    """``--area-method planar|ellipsoidal``: how the command measures areas (recorded in its output)."""
    return click.option("--area-method", type=click.Choice(["planar", "ellipsoidal"]), default=default, show_default=True,
                        help="planar: in the Gauss-Krüger zone; ellipsoidal: on the CGCS2000 ellipsoid, as the land "
                        "survey's TBMJ (TD/T 1055).")


def out_option(f):
    f = click.option("--overwrite", is_flag=True, help="Replace an existing output file.")(f)
    return click.option(
        "-o",
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the table to FILE.csv (UTF-8 with BOM, for Excel) or FILE.json; default: print it.",
    )(f)


def check_output(out: Path | None, inputs: list[Path], *, overwrite: bool, formats: tuple[str, ...] | None = None) -> None:
    """Refuse, before any work, an output that is an input (or a part of one), is not one of ``formats`` (its
    suffixes, e.g. :data:`TABLE_FORMATS`), exists without --overwrite, is a folder, or lies where nothing can be
    written."""
    if out is None:
        return
    check_not_inputs([out], inputs)
    if formats is not None and out.suffix.lower() not in formats:
        raise InputError(f"{out}: unknown output format {out.suffix.lower() or '(none)'}; fix: name the output "
                         f"{' or '.join(formats)}")
    if out.exists() and not out.is_file():  # a folder, a device (/dev/full), a pipe
        raise InputError(f"{out}: is {'a folder' if out.is_dir() else 'not a regular file'}; fix: name the output file "
                         "itself (-o FILE)")
    if out.exists() and not overwrite:
        raise InputError(f"{out}: exists already; fix: choose another output or pass --overwrite")
    check_writable(out.parent)


def echo_notes(ctx: click.Context, table) -> None:
    """Say on stderr what the measurement did to the inputs (reprojected, repaired …), unless -q."""
    from ._progress import say

    if ctx.obj.get("quiet"):
        return
    for note in table.attrs.get("notes", []):
        say(note)  # a JSON line with --progress json


def write_table(table: pd.DataFrame, out: Path | None, *, overwrite: bool, extra: dict | None = None) -> None:
    """Print the table, or write it as CSV/JSON atomically."""
    if out is None:
        import pandas as pd

        if table.empty:  # not pandas' "Empty DataFrame" dump
            click.echo(",".join(str(c) for c in table.columns))
            click.echo("(no rows)")
            return
        with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 200):
            click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        return
    suffix = out.suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise InputError(f"{out}: unknown output format {suffix or '(none)'}; fix: name the output .csv or .json")
    from ..io import write_csv, write_text
    from ..report import json_ready, json_records

    if suffix == ".csv":
        write_csv(table, out, overwrite=overwrite)
    else:
        doc = json_ready({"rows": json_records(table, None), **(extra or {})}, None)  # no NaN anywhere
        write_text(out, json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n", overwrite=overwrite)


def named_paths(values: tuple[str, ...], option: str) -> dict[str, Path]:
    """``("road=roads.shp", "river=rivers.gpkg")`` → ``{"road": Path("roads.shp"), …}``; a bare FILE is named by its stem."""
    out: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep:
            name, path = Path(value).stem, value
        if not name or not path:
            raise InputError(f"{option} {value!r}: expected NAME=FILE; fix: e.g. {option} road=roads.gpkg")
        if name in out:  # a second file of the same name would silently replace the first
            raise InputError(f"{option} {value!r}: the name {name!r} is given twice; fix: give each file its own name "
                             f"({option} {name}_2={path})")
        out[name] = Path(path)
    return out


def named_numbers(values: tuple[str, ...], option: str) -> dict[str, float] | float | None:
    """``("500",)`` → 500.0 for every name; ``("road=500", "river=200")`` → ``{"road": 500.0, …}``.

    Distances and widths: a negative, nan or infinite one is click's usage error (exit 2, one line)."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        pairs = {"": values[0]}
    else:
        pairs = {}
        for value in values:
            name, sep, number = value.partition("=")
            if not sep:
                raise InputError(f"{option} {value!r}: give one number for all, or NAME=NUMBER each; fix: e.g. {option} road=500")
            pairs[name] = number
    try:
        parsed = {k: float(v) for k, v in pairs.items()}
    except ValueError:
        raise InputError(f"{option} {' '.join(values)!r}: not a number; fix: e.g. {option} 1000 or {option} road=500") from None
    for name, number in parsed.items():
        if not math.isfinite(number) or number < 0:
            given = f"{name}={pairs[name]}" if name else pairs[name]
            raise click.BadParameter(f"{given!r} is not a distance in metres ≥ 0", ctx=click.get_current_context(silent=True),
                                     param_hint=f"'{option}'")
    return parsed[""] if "" in parsed else parsed


def check_one_source(atlas_dir: Path | None, config: Path | None, example: str) -> None:
    """Refuse neither or both of ``--atlas`` and ``--config``."""
    if (atlas_dir is None) == (config is None):
        raise InputError(f"give the layers with --atlas DIR or --config FILE (one of them); fix: e.g. {example}")


def load_layers(atlas_dir: Path | None, config: Path | None, example: str):
    """The layers of ``--atlas DIR`` (a manifest folder or file) or ``--config FILE`` (an audit, run):
    ``(atlas, audit or None, every file read)``.  Exactly one of the two must be given."""
    check_one_source(atlas_dir, config, example)
    if config is not None:
        from ..audit import run_audit

        audit = run_audit(config)
        extra = [config] + ([audit.config.manifest] if audit.config.manifest else [])
        return audit.atlas, audit, audit.atlas.files() + extra
    from ..atlas import Atlas

    atlas = Atlas.from_manifest(atlas_dir / "manifest.toml" if atlas_dir.is_dir() else atlas_dir)
    return atlas, None, atlas.files()


def engine_options(f):
    """``--engine``, ``--scheduler`` and ``--partitions``: the commands that can run on Dask."""
    f = click.option("--partitions", type=click.IntRange(min=1), default=None, metavar="N",
                     help="dask engine: partitions of the big layer (spatial, Hilbert, for coverage and "
                     "restoration; ranges of rows for land-use); default: one per 250,000 features, at least "
                     "one per worker.")(f)
    f = click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="dask engine: the scheduler of an existing Dask cluster (tcp://HOST:8786); "
                     "default: a local cluster of one worker per CPU.")(f)
    return click.option("--engine", type=click.Choice(["geopandas", "dask"]), default=None,
                        help="geopandas (in memory; the default, or ecozone.options.engine) or dask "
                        "(layers read and measured partition by partition; needs the dask extra).")(f)


@contextlib.contextmanager
def engine_kwargs(engine: str | None, scheduler: str | None, partitions: int | None):
    """The ``engine``/``client``/``partitions``/``progress`` arguments of a measure, with the cluster
    they need open for as long as the block runs (a local one unless ``--scheduler`` names one)."""
    import sys

    from .._options import resolve_engine

    engine = resolve_engine(engine)
    if engine != "dask":
        if scheduler is not None or partitions is not None:
            option = "--scheduler" if scheduler is not None else "--partitions"
            raise InputError(f"{option}: only for the dask engine; fix: add --engine dask")
        yield {"engine": engine}
        return
    from ..dask_engine import connect, local_client, require_dask

    require_dask()  # before any file is read or cluster started
    from ._progress import wanted

    progress = sys.stderr.isatty() and wanted() == "auto"  # dask's bar: not between --progress json lines
    if scheduler is None:
        with local_client() as client:
            yield {"engine": engine, "client": client, "partitions": partitions, "progress": progress}
    else:
        with connect(scheduler) as client:
            yield {"engine": engine, "client": client, "partitions": partitions, "progress": progress}
