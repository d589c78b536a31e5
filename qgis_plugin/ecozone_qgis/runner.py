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
import re
import queue
import shutil
import subprocess
import threading

WINDOWS = os.name == "nt"


class RunnerError(Exception):
    """The command cannot be found or started: the message says how to fix it."""


def probe(argv, timeout=120):
    """``(ok, last line)`` of running ``argv`` (``python -m ecozone --version``): can that python run ecozone?"""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if WINDOWS else 0
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              env=environment(), universal_newlines=True, encoding="utf-8", errors="replace",
                              timeout=timeout, creationflags=flags)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    lines = [ln.strip() for ln in (done.stderr + "\n" + done.stdout).splitlines() if ln.strip()]
    ok = done.returncode == 0 and any(ln.startswith("ecozone") for ln in done.stdout.splitlines())
    return ok, (lines[-1] if lines else "exit status {}".format(done.returncode))


def find_ecozone(setting="", which=shutil.which, check=probe):
    """The argv prefix that runs ecozone: ``setting`` (the ecozone command, its environment's folder, or that
    environment's python) when given, else ``ecozone`` on PATH.  A python is asked first (``check``: its
    ``-m ecozone --version``) whether it has ecozone at all."""
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
            ok, why = check([setting, "-m", "ecozone", "--version"])
            if not ok:
                raise RunnerError("{}: this python cannot run ecozone ({}); fix: pip install ecozone in that environment, "
                                  "or set Settings › Options › Processing › Providers › ecozone › ecozone command to the "
                                  "ecozone command of your environment".format(setting, why))
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
            if param.get("many"):  # several fields, comma-separated: a field named with a comma cannot be one of them
                commas = [_text(v) for v in value if "," in _text(v)]
                if commas:
                    raise RunnerError("{}: the field name '{}' contains a comma, and ecozone {} {} takes field names "
                                      "separated by commas; fix: rename the field (Layer Properties › Fields) or leave "
                                      "it out".format(param["name"], commas[0], spec["command"], flag))
                argv += [flag, ",".join(_text(v) for v in value)]
            else:
                for item in value:
                    argv += [flag, _text(item)]
        else:
            argv += [flag, _text(value)]
    for flag, value in list(spec.get("fixed", [])) + list(extra):
        argv += [flag, value]
    argv += [spec["output"]["flag"], output, "--overwrite"]
    # "--": what follows is an argument even when it starts with "-" (a config named -q.toml)
    return argv + (["--"] + positional if positional else [])


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
    ``ecozone: error:`` or ``ecozone: internal error:`` prefix, or None), ``stdout`` and ``stderr`` (their lines),
    ``finished`` (ecozone's own ``finished`` progress line came: the command ran to its end) and ``argv``."""

    def __init__(self, code, error, stdout, stderr, finished=False, argv=()):
        self.code, self.error, self.stdout, self.stderr = code, error, stdout, stderr
        self.finished, self.argv = finished, list(argv)


#: ``--progress json`` stages that are no progress: a note or a warning of ecozone's, for the log.
NOTES = ("note", "warning")


def message_line(line):
    """The object of a ``--progress json`` line (progress, note or warning), or None for any other line."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict) or "ecozone_progress" not in doc:
        return None
    return doc


def progress_line(line):
    """The ``(fraction, message)`` of a ``--progress json`` progress line, or None for any other line (a note or a
    warning too)."""
    doc = message_line(line)
    if doc is None or doc.get("stage") in NOTES:
        return None
    stage, message = str(doc.get("stage") or ""), str(doc.get("message") or "")
    return float(doc.get("fraction") or 0.0), "{}: {}".format(stage, message) if message else stage


def _pump(stream, name, sink):
    for line in iter(stream.readline, ""):
        sink.put((name, line.rstrip("\r\n")))
    sink.put((name, None))


def run(argv, on_progress=None, on_line=None, canceled=None, env=None, cwd=None, on_note=None):
    """Run ``argv``: progress lines go to ``on_progress(fraction, message)``, ecozone's notes and warnings (JSON
    lines too) to ``on_note(stage, message)`` (stage ``note`` or ``warning``; without it, to ``on_line`` as ecozone
    prints them without ``--progress json``), other stderr lines and stdout to ``on_line(text, is_error)``;
    ``canceled()`` true stops the command.  Returns an :class:`Outcome`."""
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
    open_streams, stdout, stderr, error, finished = 2, [], [], None, False
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
        doc = message_line(line)
        if doc is not None:
            stage, message = str(doc.get("stage") or ""), str(doc.get("message") or "")
            if stage in NOTES:
                text = "ecozone: " + ("warning: " if stage == "warning" else "") + message
                stderr.append(text)
                if on_note:
                    on_note(stage, message)
                elif on_line:
                    on_line(text, False)
                continue
            finished = finished or stage == "finished"
            if on_progress:
                on_progress(*progress_line(line))
            continue
        stderr.append(line)
        for prefix in ("ecozone: error: ", "ecozone: internal error: "):
            if line.startswith(prefix):
                error = line[len(prefix):]
        if on_line:
            on_line(line, line.startswith(("ecozone: error", "ecozone: internal error")))
    code = proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return Outcome(code, error, stdout, stderr, finished, argv)


def named(message, layers):
    """``message`` with the files the plugin gave ecozone named as QGIS names them: ``layers`` maps a path to
    ``(layer name, temporary)``; a temporary file (a layer written for ecozone) is replaced by the layer's name,
    a layer's own file gets its name in front."""
    for path, (name, temporary) in sorted(layers.items(), key=lambda kv: -len(kv[0])):
        if path and path in message:
            message = message.replace(path, "layer '{}'".format(name) if temporary else "layer '{}' ({})".format(name, path))
    return message


def _about_layers(message, by_flag):
    """``message`` (naming none of the files) with the QGIS layers it is about in front: those of the first option of
    ``by_flag`` (an option → its layers' names: ``{"--by": ["红线"]}``) the message names; ecozone's own word for
    the input (``layer:``) replaced."""
    for flag in re.findall(r"--[A-Za-z][\w-]*", message):
        names = by_flag.get(flag)
        if names:
            who = ("layer " if len(names) == 1 else "layers ") + ", ".join("'{}'".format(n) for n in names)
            rest = re.sub(r"^(?:layer|layers|zones|input): ", "", message)
            return "{}: {}".format(who, rest)
    return message


#: ecozone's advice to declare a CRS on its command line: ``(--input-crs EPSG:4490, or crs = … in the manifest)``.
_CRS_FLAG = re.compile(r"\(--[\w-]*crs ([^\s,)]+)[^)]*\)")
#: A message about a layer's CRS.
_CRS_MESSAGE = re.compile(r"coordinate reference system|\bCRS\b|--[\w-]*crs\b", re.I)


def in_qgis_terms(text, strings):
    """A CRS message of ecozone's with its command-line advice (``--input-crs EPSG:4490``) said in QGIS's terms
    (assign the CRS to the layer in QGIS)."""
    if not _CRS_MESSAGE.search(text):
        return text
    text, count = _CRS_FLAG.subn(lambda m: strings["crs_assign"].format(crs=m.group(1)), text)
    text = re.sub(r"--[\w-]*crs\b", strings["crs_words"], text)
    return text if count else text + " " + strings["crs_hint"]


def verdict(outcome, layers, strings, by_flag=None):
    """``(level, text)`` for QGIS: level ``ok``, ``warning`` (exit 1 after ecozone's ``finished`` line: a target
    missed) or ``error`` (1 without it: ecozone did not run, the setting is wrong; 2: bad input, naming the layer;
    3 and anything else: an internal error, asking for a report).  ``by_flag``: each option → the names of the QGIS
    layers given to it, for a message that names no file."""
    if outcome.code == 0:
        return "ok", ""
    if outcome.code == 1 and outcome.finished:
        return "warning", strings["target_missed"]
    if outcome.code == 1:
        detail = outcome.error or "\n".join(outcome.stderr[-3:]) or "exit status 1"
        return "error", strings["not_ecozone"].format(detail=detail)
    unknown = re.match(r"No such option:? '?(-[^'\s;]+)", outcome.error or "") if outcome.code == 2 else None
    if unknown and (not outcome.argv or unknown.group(1) in outcome.argv):  # an option the plugin gave: an older ecozone
        return "error", "ecozone: {} {}".format(outcome.error, strings["version_mismatch"])
    if outcome.code == 2:
        message = outcome.error or "\n".join(outcome.stderr[-3:]) or strings["bad_input"]
        text = named(message, layers)
        if text == message and by_flag:
            text = _about_layers(text, by_flag)
        return "error", "ecozone: " + in_qgis_terms(text, strings)
    detail = outcome.error or "\n".join(outcome.stderr[-5:]) or "exit status {}".format(outcome.code)
    if detail.startswith("internal error: "):  # the words strings["internal_error"] says itself
        detail = detail[len("internal error: "):]
    return "error", strings["internal_error"].format(detail=named(detail, layers))
