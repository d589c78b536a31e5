"""``ecozone config-schema``: a config file's JSON Schema (for editors), or the Markdown of every key."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import check_output

_KINDS = ("manifest", "audit", "preset")


@click.command("config-schema")
@click.argument("kind", type=click.Choice(_KINDS), required=False)
@click.option("--markdown", is_flag=True, help="Print the keys as Markdown (CONFIG.md) instead of JSON Schema; "
              "without KIND, every config file.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of standard output.")
@click.option("--overwrite", is_flag=True, help="Replace FILE if it exists.")
def config_schema_command(kind: str | None, markdown: bool, out: Path | None, overwrite: bool) -> None:
    """Print the JSON Schema of a config file: manifest (manifest.toml), audit (an audit config) or
    preset (a map preset).

    Editors that read JSON Schema complete and check the TOML as you type, e.g. with Even Better TOML
    (Taplo): save the schema beside the file and put '#:schema ./audit.schema.json' on its first line.

    \b
    ecozone config-schema audit -o audit.schema.json
    ecozone config-schema --markdown > CONFIG.md
    """
    from ..config_files import config_reference, config_schema
    from ..config_spec import markdown as spec_markdown
    from ..errors import InputError
    from ..io import write_text

    if kind is None and not markdown:
        raise InputError("which config file? fix: give KIND: manifest, audit or preset (or --markdown for all)")
    if markdown:
        from ..config_files import CONFIG_FILES

        text = config_reference() if kind is None else spec_markdown(CONFIG_FILES[kind][0], kind)
    else:
        text = json.dumps(config_schema(kind), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    check_output(out, [], overwrite=overwrite)
    write_text(out, text)
