"""Loading an audit config (读取审计配置): :class:`AuditConfig`, :func:`load_config` (the whole config
checked before any layer is read, its preset merged in) and :func:`load_atlas` (the layers, then
the checks that need their contents)."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import crs as _crs
from ..atlas import Atlas
from ..config_spec import Table
from ..manifest import LayerSpec, check_manifest, checked_entry
from ..errors import ConfigError, CRSError
from .checks import check_entries, check_indicator, check_keys, check_settings
from .context import Context
from ..toml_lines import fail, line_of, one_line, suggest
from .presets import PRESETS
from .spec import AUDIT_SPEC, ZONE_KINDS, ZONES_SPEC


@dataclass
class AuditConfig:
    """A checked config: where it is, its raw text's sha256, and its parts with the preset merged in.

    ``layer_kinds`` and ``raster_kinds`` are the kinds of every layer and raster the audit will
    read (the manifest's and the config's own); ``text`` is the config's text (for the line of a
    key in messages) and ``manifest_doc`` the manifest as it was checked.
    """

    path: Path
    sha256: str
    title: str
    preset: str | None
    manifest: Path | None
    crs: str | None
    lang: str
    layers: dict[str, Any]
    rasters: dict[str, Any]
    zones: dict[str, Any]
    settings: dict[str, Any]
    indicators: dict[str, dict[str, Any]]
    layer_kinds: dict[str, str] = field(default_factory=dict)
    raster_kinds: dict[str, str] = field(default_factory=dict)
    text: str = field(default="", repr=False)
    manifest_doc: dict[str, Any] | None = field(default=None, repr=False)
    includes: list[Path] = field(default_factory=list)

    def files(self) -> list[Path]:
        """Every file the audit will read, known before any is: the config, the manifest, and the ``file`` of
        each layer and raster (a manifest's relative to the manifest, the config's relative to the config)."""
        files = [self.path] + list(self.includes) + ([self.manifest] if self.manifest is not None else [])
        tables = []
        if self.manifest is not None and self.manifest_doc is not None:
            tables += [(self.manifest.parent, e) for key in ("layers", "rasters")
                       for e in (self.manifest_doc.get(key) or {}).values()]
        tables += [(self.path.parent, e) for e in (*self.layers.values(), *self.rasters.values())]
        for root, entry in tables:
            if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                files.append(root / entry["file"])
        return files


def _read_manifest(config: Path, text: str, manifest: Path, raw_value: Any) -> dict[str, Any]:
    """Read and check a manifest named by the config, without reading its layers.  A problem
    names the manifest and says that the config's ``manifest`` key referred to it."""

    def broken(problem: str) -> ConfigError:
        line = line_of(text, "", "manifest")
        at = f" (line {line})" if line else ""
        return ConfigError(one_line(f"{config}: manifest{at}: the manifest it names is broken: {problem}"))

    if not manifest.is_file():
        raise fail(config, text, "", "manifest", f"{raw_value} not found ({manifest})",
                    "give the path of a manifest.toml (or of its folder) relative to the config")
    try:
        doc = tomllib.loads(manifest.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise broken(f"{manifest}: cannot be read ({exc.strerror}); fix: check its permissions") from None
    except UnicodeDecodeError:
        raise broken(f"{manifest}: not UTF-8 text; fix: save the manifest as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise broken(f"{manifest}: not valid TOML ({exc}); fix: correct the syntax at that line") from None
    try:
        check_manifest(manifest, doc)
        for lname, entry in doc.get("layers", {}).items():
            LayerSpec.from_manifest(manifest, lname, entry)  # keys, kind, crs, fields: no file is read
        for rname, entry in doc.get("rasters", {}).items():
            checked_entry(manifest, "rasters", rname, entry)
    except ConfigError as exc:
        raise broken(str(exc)) from None
    return doc



def load_config(path: str | Path) -> AuditConfig:
    """Read and check an audit config (TOML) completely, before any layer is read; merge its preset.

    Checked: every key and table against :data:`~ecozone.audit.spec.AUDIT_SPEC` and the indicators'
    parameters, value types, parameter values against the code lists of
    :mod:`ecozone.schema` (Chinese names accepted, kept as the English code),
    targets finite and in range for their unit, settings in range, the
    manifest (read and checked, not its layers), every ``[layers.NAME]`` /
    ``[rasters.NAME]`` table, and that ``[zones]``, ``baseline`` and ``raster``
    name layers of the right kind.  Every problem raises
    :class:`ecozone.errors.ConfigError`: one line naming the file, the key,
    its line and the fix.  ``ecozone audit`` and ``ecozone validate`` both
    call this, then :func:`load_atlas`, which reads the layers and checks
    what needs their contents (zone and bay names) before anything is measured.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config not found; fix: check the path") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config; fix: give the audit's .toml file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror}); fix: check the path and permissions") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; fix: save the config as UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(one_line(f"{path}: not valid TOML: {exc}; fix: correct the syntax at that line")) from None
    check_keys(path, text, "", doc, AUDIT_SPEC)
    lang = doc.get("lang", "zh")
    preset = doc.get("preset")
    if preset is not None and preset not in PRESETS:
        raise fail(path, text, "", "preset", f"{preset!r} is not a preset", f"{suggest(preset, PRESETS)}use one of {', '.join(PRESETS)}")
    if doc.get("crs") is not None:
        try:
            _crs.check_measurement_crs(doc["crs"])
        except CRSError as exc:
            problem, _, fix = str(exc).partition("; fix: ")
            raise fail(path, text, "", "crs", problem, fix or "give a projected CRS in metres") from None
    zones = dict(doc.get("zones", {}))
    check_keys(path, text, "zones", zones, ZONES_SPEC)
    for key, value in zones.items():
        if not value.strip():
            raise fail(path, text, "zones", key, "is empty", f"name a layer or a field, or leave {key} out")
    settings = check_settings(path, text, dict(doc.get("settings", {})))

    # the layers the audit will read: the manifest's, then the config's own (by name and kind, no file read)
    manifest = doc.get("manifest")
    manifest_path = (path.parent / manifest).resolve() if manifest else None
    if manifest_path is not None and manifest_path.is_dir():
        manifest_path = manifest_path / "manifest.toml"
    manifest_doc = _read_manifest(path, text, manifest_path, manifest) if manifest_path is not None else None
    layer_kinds = {n: e["kind"] for n, e in (manifest_doc or {}).get("layers", {}).items()}
    raster_kinds = {n: e["kind"] for n, e in (manifest_doc or {}).get("rasters", {}).items()}
    layer_kinds.update(check_entries(path, text, "layers", doc.get("layers", {})))
    raster_kinds.update(check_entries(path, text, "rasters", doc.get("rasters", {})))
    if not layer_kinds:
        raise fail(path, text, "", None, "no layers", "add [layers.NAME] tables or manifest = \"manifest.toml\" with layers")
    for key, kinds in ZONE_KINDS.items():
        lname = zones.get(key)
        if lname is None:
            continue
        have = [n for n, k in layer_kinds.items() if k in kinds]
        if lname not in layer_kinds:
            raise fail(path, text, "zones", key, f"no layer named {lname!r}",
                        f"{suggest(lname, have)}use one of {', '.join(have)}" if have else f"add a {' or '.join(kinds)} layer")
        if layer_kinds[lname] not in kinds:
            raise fail(path, text, "zones", key, f"layer {lname!r} is a {layer_kinds[lname]} layer, not a {' or '.join(kinds)} layer",
                        f"use one of {', '.join(have)}" if have else f"name a layer of kind {' or '.join(kinds)}")

    indicators: dict[str, dict[str, Any]] = {}
    if preset is not None:
        for name, entry in PRESETS[preset]["indicators"].items():
            indicators[name] = {**entry, "source": PRESETS[preset]["source"]}
    fragments = _read_includes(path, text, doc)
    defined: dict[str, Path] = {}  # each indicator name: the file that defines it (the config or a fragment)
    for where, where_text, tables in [*fragments, (path, text, doc.get("indicators", {}))]:
        for name, entry in tables.items():
            if not isinstance(entry, dict):
                raise fail(where, where_text, "indicators", name, "is not a table",
                           f"write it as [indicators.{name}] with target = …")
            if name in defined:
                line = line_of(where_text, "indicators", name)
                raise ConfigError(f"{where}: [indicators.{name}]{f' (line {line})' if line else ''}: also defined in "
                                  f"{defined[name]}; fix: rename one of them or delete one")
            defined[name] = where
            merged = {**indicators.get(name, {}), **entry}
            if "target" in entry and "source" not in entry:
                merged.pop("source", None)  # the user's own target: the preset's source no longer applies
            indicators[name] = check_indicator(where, where_text, name, entry, merged, layer_kinds, raster_kinds)
    return AuditConfig(
        path=path, sha256=hashlib.sha256(raw).hexdigest(), title=str(doc.get("title", path.stem)), preset=preset,
        manifest=manifest_path, crs=doc.get("crs"), lang=lang, layers=dict(doc.get("layers", {})),
        rasters=dict(doc.get("rasters", {})), zones=zones, settings=settings, indicators=indicators,
        layer_kinds=layer_kinds, raster_kinds=raster_kinds, text=text, manifest_doc=manifest_doc,
        includes=[where for where, _, _ in fragments],
    )


#: What an included fragment may hold: indicator tables only.
_FRAGMENT_SPEC = Table({"indicators": AUDIT_SPEC.keys["indicators"]}, "an audit-config fragment", "审计配置片段")


def _read_includes(path: Path, text: str, doc: dict[str, Any]) -> list[tuple[Path, str, dict[str, Any]]]:
    """The fragments the config's ``include`` names (relative to the config), each as its path, text and
    ``[indicators]`` tables; a missing, unreadable or broken fragment is one line naming it."""
    out = []
    for raw in doc.get("include", []):
        if not isinstance(raw, str) or not raw.strip():
            raise fail(path, text, "", "include", f"{raw!r} is not a path", "give the fragments' paths as text, "
                       "e.g. include = [\"targets.toml\"]")
        fragment = (path.parent / raw).resolve()
        if not fragment.is_file():
            raise fail(path, text, "", "include", f"{raw} not found ({fragment})",
                       "give the path of a TOML fragment relative to the config (ecozone targets PLAN -o targets.toml writes one)")
        if fragment in [f for f, _, _ in out] or fragment == path.resolve():
            raise fail(path, text, "", "include", f"{raw} is included twice", "name each fragment once")
        try:
            ftext = fragment.read_bytes().decode("utf-8-sig")
            fdoc = tomllib.loads(ftext)
        except UnicodeDecodeError:
            raise ConfigError(f"{fragment}: included by {path}: not UTF-8 text; fix: save it as UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(one_line(f"{fragment}: included by {path}: not valid TOML: {exc}; fix: correct the "
                                       "syntax at that line")) from None
        check_keys(fragment, ftext, "", fdoc, _FRAGMENT_SPEC)
        out.append((fragment, ftext, dict(fdoc.get("indicators", {}))))
    return out


def load_atlas(config: AuditConfig) -> Atlas:
    """The audit's layers (manifest first, then the config's own) as one validated Atlas.

    Then, before anything is measured, what needs the layers' contents: the
    zone field of the districts, and every indicator's ``zone`` and ``bay``
    (a district / bay of those layers) and land-cover ``class`` (the raster
    must say which cell value is which class).
    """
    layers: dict[str, Any] = {}
    rasters: dict[str, Any] = {}
    credits: list[str] = []
    name = config.path.stem
    if config.manifest is not None:
        doc = config.manifest_doc
        if doc is None:
            doc = _read_manifest(config.path, config.text, config.manifest, config.manifest)
        for lname, entry in (doc.get("layers") or {}).items():
            layers[lname] = _rebase(entry, config.manifest.parent)
        for rname, entry in (doc.get("rasters") or {}).items():
            rasters[rname] = _rebase(entry, config.manifest.parent)
        credits = [str(c) for c in doc.get("credits", [])]
        name = str(doc.get("name", name))
    layers.update(config.layers)
    rasters.update(config.rasters)
    atlas = Atlas.from_tables(config.path, layers, rasters, name=name, title=config.title, crs=config.crs, credits=credits)
    for key in ("districts", "bays"):
        lname = config.zones.get(key)
        if lname is not None and lname not in atlas:
            raise ConfigError(f"{config.path}: [zones] {key}: no layer {lname!r}; fix: use one of {', '.join(atlas.layers)}")
    _check_against_layers(config, atlas)
    return atlas


def _check_against_layers(config: AuditConfig, atlas: Atlas) -> None:
    """The checks that need the layers' contents, run by :func:`load_atlas` before any measurement."""
    from ..validate import ROW

    path, text = config.path, config.text
    ctx = Context(atlas, config.zones, config.settings)
    districts = ctx.districts
    if districts is not None and ctx.zone_field not in districts.columns:
        fields = [c for c in districts.columns if c not in (districts.geometry.name, ROW)]
        raise fail(path, text, "zones", "zone_field", f"layer {ctx.districts_name!r} has no field {ctx.zone_field!r}",
                    f"{suggest(ctx.zone_field, fields)}use one of {', '.join(map(str, fields))}")
    if districts is not None:  # a district named total/outside would take over the city-wide row
        from ..prepare import check_zone_names

        check_zone_names(districts, ctx.zone_field, name=ctx.districts_name)
    zone_names = districts[ctx.zone_field].astype(str).tolist() if districts is not None else []
    bay_names = ctx.bays["name"].astype(str).tolist() if ctx.bays is not None else []

    def listed(names: list[str]) -> str:
        return ", ".join(names[:30]) + (f" … ({len(names)} in all)" if len(names) > 30 else "")

    for name, entry in config.indicators.items():
        section = f"indicators.{name}"
        if entry.get("zone") and districts is not None and str(entry["zone"]) not in zone_names:
            raise fail(path, text, section, "zone", f"no district named {entry['zone']!r} in layer {ctx.districts_name!r}",
                        f"{suggest(entry['zone'], zone_names)}use one of {listed(zone_names)}")
        if entry.get("bay") and ctx.bays is not None and str(entry["bay"]) not in bay_names:
            raise fail(path, text, section, "bay", f"no bay named {entry['bay']!r} in layer {ctx.bays_name!r}",
                        f"{suggest(entry['bay'], bay_names)}use one of {listed(bay_names)}")
        if entry.get("indicator", name) == "river_designation_share":  # the field the measure reads, checked now
            for lname in atlas.names("river"):
                frame = atlas[lname]
                wanted = ["designation"] + (["designation_year"] if entry.get("until") is not None else [])
                missing = [f for f in wanted if f not in frame.columns]
                if missing:
                    fields = [c for c in frame.columns if c not in (frame.geometry.name, ROW)]
                    raise fail(path, text, section, None, f"layer {lname!r} has no field {missing[0]!r} saying which rivers "
                                f"are designated (fields: {', '.join(map(str, fields))})",
                                f"map your column to it in [layers.{lname}] fields = {{ {missing[0]} = \"<your column>\" }}")
        if entry.get("indicator", name) == "land_cover_share":
            names = [entry["raster"]] if entry.get("raster") else atlas.raster_names("land_cover")
            raster = atlas.rasters.get(names[0]) if names else None
            if raster is not None and not raster.classes:
                raise fail(path, text, section, "class", f"raster {raster.name!r} does not say which cell value is which class",
                            f"add classes = {{ 1 = \"forest\", … }} to [rasters.{raster.name}]")


def _rebase(entry: Any, root: Path) -> Any:
    """A manifest's layer entry with its file made absolute (it is relative to the manifest's folder)."""
    if not isinstance(entry, dict) or "file" not in entry:
        return entry
    return {**entry, "file": str((root / str(entry["file"])).resolve())}
