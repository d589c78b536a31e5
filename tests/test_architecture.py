"""The shape of the package (ARCHITECTURE.md): read → validate → measure → judge → render/export.

Every module sits in one layer; no module imports one from a layer above it (function-level imports
included), there is no import cycle, and no module is over 400 lines.  A new module must be given its
layer here and in ARCHITECTURE.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ecozone

PACKAGE = Path(ecozone.__file__).resolve().parent

#: Layers from the bottom up: a module may import its own layer and the ones before it.
LAYERS = [
    ("base", {"errors", "units", "_version", "_options", "_renamed", "escape", "_resources", "_renderers", "geometry", "parallel",
              "json_values", "dates", "features", "codes", "land_classes", "schema", "fields", "issues", "config_spec",
              "toml_lines"}),
    ("coordinates", {"crs"}),
    ("read", {"io", "gdal_paths", "outputs", "land_survey", "scan", "store"}),
    ("plan text", {"plans"}),
    ("validate", {"validate", "checks", "repair", "prepare", "manifest", "line_overlaps"}),
    ("atlas", {"atlas"}),
    ("engines", {"dask_engine", "dask_client", "dask_layer", "dask_passes", "dask_regions"}),
    ("measure", {"measure"}),
    ("judge", {"audit", "monitoring"}),
    ("render/export", {"results", "maps", "report", "report_charts", "charts", "export", "demo", "demo_summary",
                       "config_files", "qgis_plugin", "monitor_report", "monitor_html", "demo_monitor"}),
    ("command line", {"cli", "__main__", "__init__"}),
]
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for rank, (_, names) in enumerate(LAYERS):
        if top in names:
            return rank
    raise AssertionError(f"{module}: in no layer; fix: add it to LAYERS here and to ARCHITECTURE.md")


def imports(module: str, path: Path, found: dict[str, Path]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in found:
                name = name.rpartition(".")[0]
            if name and name != "ecozone" and name != module and not module.startswith(name + "."):
                out.add(name)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    return {m: imports(m, p, found) for m, p in found.items()}


def test_no_module_imports_a_layer_above_it():
    upward = [f"{m} ({LAYERS[layer_of(m)][0]}) imports {t} ({LAYERS[layer_of(t)][0]})"
              for m, targets in sorted(graph().items()) for t in sorted(targets) if layer_of(t) > layer_of(m)]
    assert upward == []


def test_no_import_cycle():
    edges = graph()
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_module_over_400_lines():
    long = {m: n for m, p in modules().items() if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_layers_are_the_ones_architecture_md_describes():
    text = (Path(__file__).resolve().parent.parent / "ARCHITECTURE.md").read_text("utf-8")
    for name, members in LAYERS:
        assert f"**{name}**" in text, name
        for member in members - {"__init__", "__main__"}:
            assert f"`{member}" in text, member


def test_no_private_name_is_imported_across_modules():
    """A helper another module needs is a public name of the module that owns it (private modules such as
    ``_options`` may be imported; their private names may not)."""
    found = modules()
    private = []
    for module, path in sorted(found.items()):
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("ecozone")):
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1]) if node.level else ""
                target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__") and f"{target}.{alias.name}" not in found:
                        private.append(f"{module} imports {alias.name} from {target}")
    assert private == []


def test_no_relative_import_climbs_out_of_the_package():
    # `from ..io import x` in a top-level module names a package above ecozone: an ImportError the day it runs
    wrong = []
    for module, path in modules().items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > len(package.split(".")):
                wrong.append(f"{module}: line {node.lineno}: from {'.' * node.level}{node.module or ''} import …")
    assert not wrong, wrong


def test_no_merge_conflict_is_left_in_a_text_file():
    # a README once shipped with <<<<<<< markers from a merge
    root = PACKAGE.parent
    skip = {".git", ".venv", "bench", "test-artifacts", "node_modules", "__pycache__"}
    found = []
    for path in root.rglob("*"):
        if path.suffix not in (".py", ".md", ".toml", ".txt", ".json", ".js", ".html", ".cfg") and path.name != "run":
            continue
        if any(part in skip for part in path.relative_to(root).parts) or not path.is_file():
            continue
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
                found.append(f"{path.relative_to(root)}:{number}")
    assert not found, found
