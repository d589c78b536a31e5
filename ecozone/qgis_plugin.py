"""The QGIS plugin's algorithms (``qgis_plugin/ecozone_qgis/``), described from ecozone's own commands.

QGIS's Python cannot import ecozone, so the plugin runs the ``ecozone`` command out of process and
builds its Processing algorithms from ``algorithms.json``, which :func:`algorithms` writes: each
algorithm's parameters, their types, choices, defaults and help are read from the click command
(``ecozone.cli.main.commands[...]``) it runs, and the audit's help lists the config's keys from
:data:`ecozone.audit.spec.AUDIT_SPEC` and the indicators of the catalogue.  Only what QGIS needs
beyond the command line is declared here (:data:`ALGORITHMS`): the titles, which layer kind each
input is (its geometry comes from :data:`ecozone.schema.KINDS`), which layer a field option picks
its field from, and what the outputs are.  :func:`write_plugin_zip` writes the installable zip.

The commands are passed in (the command line sits above this module); :func:`algorithms` refuses a
command's file option that is not declared here, so a new input cannot silently go missing in QGIS.

Example
-------
>>> ALGORITHMS["coverage"].inputs["--zones"]
'district'
>>> geometry_of("district"), geometry_of(("line", "polygon"))
('polygon', 'any')
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["ALGORITHMS", "PLUGIN", "Algorithm", "algorithms", "algorithms_json", "geometry_of", "plugin_source",
           "plugin_zip_path", "write_plugin_zip"]

#: The plugin's folder name, the top-level folder inside the zip.
PLUGIN = "ecozone_qgis"
#: The version of the algorithms.json format the plugin reads.
FORMAT = 1

#: Options the plugin sets itself or that QGIS does instead: the layers carry their CRS, the output may be replaced
#: (QGIS asks before), and the dask engine is for the command line.
_PLUGIN_SETS = ("overwrite", "engine", "scheduler", "partitions", "input_crs", "help")


@dataclass(frozen=True)
class Algorithm:
    """What QGIS needs to know of one command beyond its click options.

    ``inputs``: each layer option → its layer kind (:data:`ecozone.schema.KINDS`) or the geometry families
    it takes; ``files``: options that are a file or folder, not a layer (``{"config": "file"}``);
    ``fields``: each field option → the layer option it picks a field of; ``output``: the kind of the output
    option (``table`` a CSV, ``layer`` a GeoPackage layer, ``folder``, ``gpkg`` a GeoPackage of layers) and
    ``load``: the files of a folder output QGIS loads; ``fixed``: options given a value the user cannot change;
    ``hidden``: options left out (their defaults apply); ``layer_names``: the layer name of an input written to a
    temporary GeoPackage (and ``sublayer``: the option that names the layer of a GeoPackage given as it is).
    """

    command: str
    en: str
    zh: str
    group: str
    inputs: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    output: tuple[str, str] = ("--out", "table")
    load: tuple[str, ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    layer_names: Mapping[str, str] = field(default_factory=dict)
    sublayer: Mapping[str, str] = field(default_factory=dict)


_MEASURE, _COAST, _AUDIT = ("measure", "量算", "Measure"), ("coast", "海岸线", "Coastline"), ("audit", "审计", "Audit")
#: The groups of the Processing toolbox: id → (zh, en).
GROUPS = {g[0]: (g[1], g[2]) for g in (_MEASURE, _COAST, _AUDIT)}

ALGORITHMS: dict[str, Algorithm] = {
    "coverage": Algorithm(
        "coverage", "Coverage per zone", "分区覆盖面积与占比", "measure",
        inputs={"--zones": "district", "--layer": ("polygon",)}, fields={"--zone-field": "--zones", "--by": "--layer"}),
    "restoration": Algorithm(
        "restoration", "Restoration area", "生态修复面积", "measure",
        inputs={"--projects": "restoration", "--zones": "district"},
        fields={"--zone-field": "--zones", "--by": "--projects"}),
    "conflicts": Algorithm(
        "conflicts", "Conflicts with a control layer", "与管控图层的冲突", "measure",
        inputs={"--layer": ("polygon", "line", "point"), "--against": ("polygon",)},
        fields={"--id-field": "--layer", "--name-field": "--layer"}),
    "land_use": Algorithm(
        "land-use", "Land use (land survey 地类图斑)", "土地利用现状(地类图斑)汇总", "measure",
        inputs={"--survey": "land_survey", "--zones": "district", "--xzq": ("polygon",)},
        fields={"--zone-field": "--zones"}, layer_names={"--survey": "DLTB", "--xzq": "XZQ"},
        sublayer={"--survey": "--survey-layer", "--xzq": "--xzq-layer"}, hidden=("--survey-layer", "--xzq-layer")),
    "coastline_retention": Algorithm(
        "coastline", "Coastline retention", "自然岸线保有率", "coast",
        inputs={"--coastline": "coastline", "--zones": "district", "--bays": "bay"},
        fields={"--class-field": "--coastline", "--zone-field": "--zones"}),
    "shoreline_change": Algorithm(
        "shoreline-change", "Shoreline change (DSAS)", "岸线变化速率(DSAS)", "coast",
        inputs={"--shorelines": ("line",), "--baseline": ("line",)},
        fields={"--date-field": "--shorelines", "--uncertainty-field": "--shorelines"},
        output=("--out", "folder"), load=("transects.geojson", "transects.csv")),
    "sea_zones": Algorithm(
        "sea-zones", "Sea zones (approximate)", "海域分区(近似)", "coast",
        inputs={"--districts": "district", "--coastline": ("line", "polygon"), "--clip": ("polygon",), "--land": "land"},
        fields={"--zone-field": "--districts"}, output=("--out", "layer")),
    "audit": Algorithm(
        "audit", "Audit (config → report and layers)", "目标审计(配置 → 报告与图层)", "audit",
        files={"config": "file"}, output=("--out", "folder"), load=("layers.gpkg", "indicators.csv"),
        fixed={"--format": "json,csv,md,html,gpkg"}),
    "export": Algorithm(
        "export", "Export layers and result layers", "导出图层与结果图层", "audit",
        files={"--atlas": "folder", "--config": "file"}, output=("--out", "gpkg"), fixed={"--format": "gpkg"},
        hidden=("--precision", "--bbox", "--raw-csv")),
}


def geometry_of(kind: str | tuple[str, ...]) -> str:
    """The QGIS geometry filter of a layer kind or of a tuple of families: ``polygon``, ``line``, ``point`` or ``any``."""
    from .schema import KINDS

    families = KINDS[kind].geometry if isinstance(kind, str) else kind
    return families[0] if len(families) == 1 else "any"


def _flag(param: Any) -> str:
    longs = [o for o in param.opts if o.startswith("--")]
    return longs[0] if longs else param.opts[0]


def _default(param: Any) -> Any:
    value = param.default
    if getattr(param, "is_flag", False):
        return bool(value) if isinstance(value, bool) else False
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return None  # click's "unset"


def _clean(text: str | None) -> str:
    r"""A click help text as paragraphs separated by a blank line: a paragraph's lines joined, except in click's
    ``\b`` blocks, whose lines stay as they are.

    >>> _clean("First line\n    goes on.\n\n    \b\n    a  one\n    b  two\n")
    'First line goes on.\n\na  one\nb  two'
    """
    import inspect

    paragraphs = []
    for block in inspect.cleandoc(text or "").split("\n\n"):
        lines = [ln.rstrip() for ln in block.strip("\n").splitlines()]
        if lines and lines[0].strip() == "\b":
            paragraphs.append("\n".join(lines[1:]))
        elif lines:
            paragraphs.append(" ".join(ln.strip() for ln in lines))
    return "\n\n".join(p for p in paragraphs if p.strip())


def _parameter(algo: Algorithm, param: Any, flag: str, siblings: list[Any]) -> dict[str, Any]:
    import click

    out: dict[str, Any] = {"name": param.name, "flag": flag if flag.startswith("-") else None,
                           "optional": not param.required, "multiple": bool(param.multiple),
                           "help": _clean(getattr(param, "help", None)), "default": _default(param)}
    kind = param.type
    if flag in algo.inputs:
        decl = algo.inputs[flag]
        out.update(type="layer", geometry=geometry_of(decl), kind=decl if isinstance(decl, str) else None,
                   layer_name=algo.layer_names.get(flag), sublayer_flag=algo.sublayer.get(flag))
    elif flag in algo.files or param.name in algo.files:
        out.update(type=algo.files.get(flag, algo.files.get(param.name)), extension="toml" if param.name == "config" else None)
        if not out["help"] and param.name == "config":  # click's arguments have no help: the config's spec says
            from .audit.spec import AUDIT_SPEC

            out["help"] = f"The audit config (TOML): {AUDIT_SPEC.en} / {AUDIT_SPEC.zh}."
    elif flag in algo.fields:
        parent = next(p for p in siblings if _flag(p) == algo.fields[flag])
        # --by of restoration: several fields, comma-separated
        out.update(type="field", parent=parent.name, many=param.name == "by" and algo.command == "restoration")
    elif isinstance(kind, click.Choice):
        out.update(type="enum", choices=[str(c) for c in kind.choices])
    elif getattr(param, "is_flag", False):
        out.update(type="bool")
    elif isinstance(kind, (click.FloatRange, click.IntRange)) or kind in (click.FLOAT, click.INT):
        integer = isinstance(kind, click.IntRange) or kind is click.INT
        out.update(type="integer" if integer else "number", minimum=getattr(kind, "min", None),
                   maximum=getattr(kind, "max", None), min_open=bool(getattr(kind, "min_open", False)))
    elif isinstance(kind, click.Path):
        raise InputError(f"{algo.command} {flag}: a file option the QGIS plugin does not know; fix: declare it in "
                         "ecozone/qgis_plugin.py ALGORITHMS (inputs, files or output)")
    else:
        out.update(type="text")
    return out


def _audit_help() -> str:
    """The audit config's keys (zh/en) and the catalogue's indicators, from their specs."""
    from .audit.catalogue import INDICATORS
    from .audit.spec import AUDIT_SPEC

    lines = ["The config (TOML) may hold / 配置文件可含:"]
    lines += [f"  {name}: {key.en} / {key.zh}" for name, key in AUDIT_SPEC.keys.items()]
    lines.append("Indicators / 指标: " + ", ".join(INDICATORS))
    return "\n".join(lines)


def algorithms(commands: Mapping[str, Any]) -> dict[str, Any]:
    """The plugin's ``algorithms.json`` document, from the click commands ``commands`` (``ecozone.cli.main.commands``)."""
    out = []
    for algo_id, algo in ALGORITHMS.items():
        command = commands[algo.command]
        params, output = [], None
        for param in command.params:
            flag = _flag(param)
            if param.name in _PLUGIN_SETS or param.name.endswith("_crs") and flag.startswith("--") and flag != "--crs" \
                    or flag in algo.fixed or flag in algo.hidden:
                continue
            if flag == algo.output[0]:
                output = {"name": "OUTPUT", "flag": flag, "type": algo.output[1], "help": _clean(param.help),
                          "load": list(algo.load)}
                continue
            params.append(_parameter(algo, param, flag, command.params))
        if output is None:
            raise InputError(f"{algo.command}: has no option {algo.output[0]}; fix: correct ecozone/qgis_plugin.py ALGORITHMS")
        help_text = _clean(command.help)
        if algo_id == "audit":
            help_text += "\n\n" + _audit_help()
        out.append({"id": algo_id, "command": algo.command, "name": {"en": algo.en, "zh": algo.zh}, "group": algo.group,
                    "help": help_text, "parameters": params, "output": output,
                    "fixed": [[flag, value] for flag, value in algo.fixed.items()]})
    groups = {g: {"zh": zh, "en": en} for g, (zh, en) in GROUPS.items()}
    return {"format": FORMAT, "generated_by": "ecozone qgis-plugin (ecozone/qgis_plugin.py)", "groups": groups,
            "algorithms": out}


def algorithms_json(commands: Mapping[str, Any]) -> str:
    """:func:`algorithms` as the text of ``algorithms.json``."""
    return json.dumps(algorithms(commands), ensure_ascii=False, indent=1) + "\n"


def plugin_source() -> Path:
    """The plugin's files: ``ecozone/data/qgis_plugin/ecozone_qgis`` in a wheel, ``qgis_plugin/ecozone_qgis`` in a checkout."""
    from ._resources import resource_dir

    path = resource_dir("qgis_plugin") / PLUGIN
    if not (path / "metadata.txt").is_file():
        raise InputError(f"{path}: the QGIS plugin's files are missing; fix: reinstall ecozone")
    return path


def plugin_zip_path(folder: str | os.PathLike, version: str, *, overwrite: bool = False) -> Path:
    """The zip :func:`write_plugin_zip` writes into ``folder``, refused when it exists and ``overwrite`` is false (so a
    command checks it before writing anything)."""
    target = Path(folder) / f"{PLUGIN}-{version}.zip"
    if target.exists() and not overwrite:
        raise InputError(f"{target}: exists already; fix: choose another folder or pass --overwrite")
    return target


def write_plugin_zip(folder: str | os.PathLike, commands: Mapping[str, Any], version: str, *,
                     overwrite: bool = False) -> Path:
    """Write ``ecozone_qgis-VERSION.zip`` (the plugin folder, its ``algorithms.json`` made now from ``commands``
    and its metadata's version set to ``version``) into ``folder``; return its path (written atomically)."""
    from .io import atomic_path

    source = plugin_source()
    target = plugin_zip_path(folder, version, overwrite=overwrite)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if path.is_dir() or "__pycache__" in rel or rel.endswith(".pyc") or rel == "algorithms.json":
                continue
            data = path.read_bytes()
            if rel == "metadata.txt":
                data = _with_version(data.decode("utf-8"), version).encode("utf-8")
            archive.writestr(f"{PLUGIN}/{rel}", data)
        archive.writestr(f"{PLUGIN}/algorithms.json", algorithms_json(commands))
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return target


def _with_version(metadata: str, version: str) -> str:
    """``metadata.txt`` with ``version=`` set (QGIS's plugin manager shows and compares it)."""
    lines = [f"version={version}" if ln.startswith("version=") else ln for ln in metadata.splitlines()]
    return "\n".join(lines) + "\n"
