"""Running the ``ecozone`` command of another Python environment: no QGIS import here (tests use it as is).

QGIS runs its own Python, without ecozone's dependencies at the versions it needs, so the plugin
never imports ecozone: it finds the command (:func:`find_ecozone`), writes its command line
(:func:`command_line`), runs it with ``--progress json`` and forwards the progress lines
(:func:`run`), and turns the exit status into what QGIS shows (:func:`verdict`):
0 done, 1 a target missed (a warning), 2 bad input (an error naming the layer), 3 an internal
error (an error asking for a report).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading

WINDOWS = os.name == "nt"


class RunnerError(Exception):
    """The command cannot be found or started: the message says how to fix it."""


def find_ecozone(setting="", which=shutil.which):
    """The argv prefix that runs ecozone: ``setting`` (the ecozone command, its environment's folder, or that
    environment's python) when given, else ``ecozone`` on PATH."""
    setting = (setting or "").strip().strip('"')
    if setting:
        if os.path.isdir(setting):  # a virtualenv / conda environment
            for rel in (("bin", "ecozone"), ("Scripts", "ecozone.exe"), ("ecozone.exe",), ("bin", "ecozone.exe")):
                path = os.path.join(setting, *rel)
                if os.path.isfile(path):
                    return [path]
            raise RunnerError("{}: no ecozone command in this folder (bin/ecozone or Scripts/ecozone.exe); "
                              "fix: pip install ecozone in that environment, or set the ecozone command itself"
                              .format(setting))
        if not os.path.isfile(setting):
            raise RunnerError("{}: not found; fix: set Settings › Options › Processing › "
                              "Providers › ecozone › ecozone command to the ecozone command of your environment".format(setting))
        if os.path.basename(setting).lower().startswith("python"):
            return [setting, "-m", "ecozone"]
        return [setting]
    found = which("ecozone")
    if not found:
        raise RunnerError("ecozone was not found on PATH; fix: set Settings › Options › Processing › Providers › ecozone › "
                          "ecozone command (e.g. /home/me/.venv/bin/ecozone or C:\\envs\\eco\\Scripts\\ecozone.exe)")
    return [found]


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def command_line(prefix, spec, values, output, extra=()):
    """The argv that runs the algorithm ``spec`` (an entry of algorithms.json) on ``values`` (parameter name → a
    path, text, number, bool or list; None or empty for "not given"), writing to ``output``; ``extra``: more
    ``(flag, value)`` pairs (the layer of a GeoPackage given as it is: ``("--survey-layer", "DLTB")``)."""
    argv = list(prefix) + ["--progress", "json", spec["command"]]
    positional = []
    for param in spec["parameters"]:
        value = values.get(param["name"])
        if value is None or value == "" or value == [] or (param["type"] == "bool" and not value):
            continue
        flag = param["flag"]
        if flag is None:
            positional.append(_text(value))
        elif param["type"] == "bool":
            argv.append(flag)
        elif isinstance(value, (list, tuple)):
            if param.get("many"):  # several fields, comma-separated
                argv += [flag, ",".join(_text(v) for v in value)]
            else:
                for item in value:
                    argv += [flag, _text(item)]
        else:
            argv += [flag, _text(value)]
    for flag, value in list(spec.get("fixed", [])) + list(extra):
        argv += [flag, value]
    argv += [spec["output"]["flag"], output, "--overwrite"]
    return argv + positional


def environment(base=None):
    """The environment ecozone runs in: QGIS's own Python settings left out (they would make the other
    environment's Python load QGIS's libraries), output in UTF-8."""
    env = dict(os.environ if base is None else base)
    env.pop("PYTHONHOME", None)
    if WINDOWS:  # the OSGeo4W / standalone QGIS sets PYTHONPATH to its own site-packages
        env.pop("PYTHONPATH", None)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUTF8"] = "1"
    env["NO_COLOR"] = "1"
    return env


class Outcome:
    """How a run ended: ``code`` (the exit status), ``error`` (ecozone's one-line message, without its
    ``ecozone: error:`` prefix, or None), ``stdout`` (its lines)."""

    def __init__(self, code, error, stdout, stderr):
        self.code, self.error, self.stdout, self.stderr = code, error, stdout, stderr


def progress_line(line):
    """The ``(fraction, message)`` of a ``--progress json`` line, or None for any other line."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict) or "ecozone_progress" not in doc:
        return None
    stage, message = str(doc.get("stage") or ""), str(doc.get("message") or "")
    return float(doc.get("fraction") or 0.0), "{}: {}".format(stage, message) if message else stage


def _pump(stream, name, sink):
    for line in iter(stream.readline, ""):
        sink.put((name, line.rstrip("\r\n")))
    sink.put((name, None))


def run(argv, on_progress=None, on_line=None, canceled=None, env=None, cwd=None):
    """Run ``argv``: progress lines go to ``on_progress(fraction, message)``, other stderr lines and stdout to
    ``on_line(text, is_error)``; ``canceled()`` true stops the command.  Returns an :class:`Outcome`."""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if WINDOWS else 0
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                env=environment() if env is None else env, cwd=cwd, universal_newlines=True,
                                encoding="utf-8", errors="replace", creationflags=flags)
    except OSError as exc:
        raise RunnerError("{}: cannot be run ({}); fix: check the ecozone command in Settings › Options › "
                          "Processing › Providers › ecozone".format(argv[0], exc.strerror or exc))
    lines = queue.Queue()
    for stream, name in ((proc.stdout, "out"), (proc.stderr, "err")):
        threading.Thread(target=_pump, args=(stream, name, lines), daemon=True).start()
    open_streams, stdout, stderr, error = 2, [], [], None
    while open_streams:
        try:
            name, line = lines.get(timeout=0.2)
        except queue.Empty:
            if canceled is not None and canceled():
                proc.terminate()
            continue
        if line is None:
            open_streams -= 1
            continue
        if name == "out":
            stdout.append(line)
            if on_line:
                on_line(line, False)
            continue
        step = progress_line(line)
        if step is not None:
            if on_progress:
                on_progress(*step)
            continue
        stderr.append(line)
        for prefix in ("ecozone: error: ", "ecozone: internal error: "):
            if line.startswith(prefix):
                error = line[len(prefix):] if prefix == "ecozone: error: " else line[len("ecozone: "):]
        if on_line:
            on_line(line, line.startswith(("ecozone: error", "ecozone: internal error")))
    code = proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return Outcome(code, error, stdout, stderr)


def named(message, layers):
    """``message`` with the files the plugin gave ecozone named as QGIS names them: ``layers`` maps a path to
    ``(layer name, temporary)``; a temporary file (a layer written for ecozone) is replaced by the layer's name,
    a layer's own file gets its name in front."""
    for path, (name, temporary) in sorted(layers.items(), key=lambda kv: -len(kv[0])):
        if path and path in message:
            message = message.replace(path, "layer '{}'".format(name) if temporary else "layer '{}' ({})".format(name, path))
    return message


def verdict(outcome, layers, strings):
    """``(level, text)`` for QGIS: level ``ok``, ``warning`` (exit 1: a target missed) or ``error`` (2: bad input,
    naming the layer; 3 and anything else: an internal error, asking for a report)."""
    if outcome.code == 0:
        return "ok", ""
    if outcome.code == 1:
        return "warning", strings["target_missed"]
    if outcome.code == 2 and outcome.error and outcome.error.startswith("No such option"):
        return "error", "ecozone: {} {}".format(outcome.error, strings["version_mismatch"])
    if outcome.code == 2:
        text = "ecozone: " + named(outcome.error or "\n".join(outcome.stderr[-3:]) or strings["bad_input"], layers)
        if "coordinate reference system" in text:  # ecozone's fix names its flags; in QGIS the layer gets a CRS
            text += " " + strings["crs_hint"]
        return "error", text
    detail = outcome.error or "\n".join(outcome.stderr[-5:]) or "exit status {}".format(outcome.code)
    return "error", strings["internal_error"].format(detail=named(detail, layers))
