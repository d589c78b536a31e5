"""``--progress json``: machine-readable progress lines on stderr, for programs that run ``ecozone``
(the QGIS plugin in ``qgis_plugin/`` forwards them to QGIS's progress bar).

Each line is one JSON object, alone on its line::

    {"ecozone_progress": 1, "command": "coverage", "stage": "read", "fraction": 0.4, "message": "read --zones"}

``ecozone_progress`` is the format's version; ``stage`` is ``started`` (fraction 0), ``read``, ``measured``,
``written`` or ``finished`` (fraction 1, only when the command ran to its end, exit 0 or 1; a failure ends with
the usual ``ecozone: error: …`` line and its exit status); ``fraction`` never goes down.  A command's notes and
warnings (:func:`say`: ``ecozone: …`` and ``ecozone: warning: …`` lines otherwise) are JSON lines too, stage
``note`` or ``warning``, the fraction reached so far::

    {"ecozone_progress": 1, "command": "coverage", "stage": "note", "fraction": 0.6, "message": "reprojected …"}

so stderr holds JSON lines and, on a failure, the final error line only.  Without ``--progress json`` no
progress line is printed, and notes and warnings are the plain lines.

Example
-------
>>> import click
>>> from click.testing import CliRunner
>>> @click.command()
... @click.pass_context
... def cmd(ctx):
...     ctx.obj = {"progress": "json"}
...     step("read", 0.5, "read --zones")
>>> CliRunner().invoke(cmd, []).output
'{"ecozone_progress": 1, "command": "cmd", "stage": "read", "fraction": 0.5, "message": "read --zones"}\\n'
"""

from __future__ import annotations

import json

import click

__all__ = ["PROGRESS_MODES", "say", "step", "wanted"]

#: ``--progress``: ``auto`` (a status line on a terminal, unless -q), ``json`` (the lines above) or ``off``.
PROGRESS_MODES = ("auto", "json", "off")


def _root_obj(ctx: click.Context | None) -> dict:
    while ctx is not None:
        if isinstance(ctx.obj, dict) and "progress" in ctx.obj:
            return ctx.obj
        ctx = ctx.parent
    return {}


def wanted(ctx: click.Context | None = None) -> str:
    """The ``--progress`` mode of the running command (``auto`` outside one)."""
    return _root_obj(ctx or click.get_current_context(silent=True)).get("progress", "auto")


def step(stage: str, fraction: float, message: str = "", *, command: str | None = None) -> None:
    """One progress line on stderr, when ``--progress json`` was given (else nothing)."""
    ctx = click.get_current_context(silent=True)
    if wanted(ctx) != "json":
        return
    obj = _root_obj(ctx)
    if command is None:
        command = ctx.info_name if ctx is not None else "ecozone"
    fraction = round(min(max(fraction, 0.0), 1.0), 4)
    obj["progress_command"], obj["progress_fraction"] = command, fraction
    _json_line(command, stage, fraction, message)


def say(text: str, *, warning: bool = False) -> None:
    """A note (``ecozone: TEXT``) or a warning (``ecozone: warning: TEXT``) on stderr; with ``--progress json`` a
    JSON line of stage ``note`` or ``warning`` instead, at the fraction reached so far."""
    ctx = click.get_current_context(silent=True)
    if wanted(ctx) != "json":
        click.echo(f"ecozone: warning: {text}" if warning else f"ecozone: {text}", err=True)
        return
    obj = _root_obj(ctx)
    command = obj.get("progress_command") or (ctx.info_name if ctx is not None else "ecozone")
    _json_line(command, "warning" if warning else "note", obj.get("progress_fraction", 0.0), text)


def _json_line(command: str, stage: str, fraction: float, message: str) -> None:
    doc = {"ecozone_progress": 1, "command": command, "stage": stage, "fraction": fraction,
           "message": " ".join(str(message).split())}
    click.echo(json.dumps(doc, ensure_ascii=False), err=True)
