"""Running an audit (运行审计): :func:`run_audit` measures every indicator of a config and judges it
against its target; :class:`AuditResult` holds what it found."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..atlas import Atlas
from ..errors import ConfigError
from ..measure.coastline import MAINLAND_AND_ISLANDS
from .catalogue import INDICATORS
from .config import AuditConfig, load_atlas, load_config
from .context import Context
from .inputs import audit_inputs
from .spec import compare


@dataclass
class AuditResult:
    """What an audit found: the indicators with their status, the tables behind them, the inputs."""

    config: AuditConfig
    atlas: Atlas
    indicators: list[dict[str, Any]]
    tables: dict[str, pd.DataFrame]
    inputs: list[dict[str, Any]]
    generated_at: str

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [i for i in self.indicators if i["status"] == "fail"]

    @property
    def exit_code(self) -> int:
        """0 when every target passes (not applicable ones aside), 1 when any fails."""
        return 1 if self.failed else 0


def run_audit(config: AuditConfig | str | Path, *, progress: Callable[[str], None] | None = None) -> AuditResult:
    """Load the layers, measure every indicator of the config, judge it against its target."""
    if not isinstance(config, AuditConfig):
        config = load_config(config)
    say = progress or (lambda _msg: None)
    say("reading and validating the layers")
    atlas = load_atlas(config)
    ctx = Context(atlas, config.zones, config.settings)
    results: list[dict[str, Any]] = []
    tables: dict[str, pd.DataFrame] = {}
    for name, entry in config.indicators.items():
        ind = INDICATORS[entry.get("indicator", name)]
        params = {k: v for k, v in entry.items() if k in ind.params}
        say(f"measuring {name}")
        try:
            value, details, found = ind.compute(ctx, params)
        except ConfigError as exc:
            raise ConfigError(f"{config.path}: [indicators.{name}]: {exc}") from None
        for tname, table in found.items():
            tables.setdefault(tname, table)
        target = entry.get("target", ind.target)
        operator = entry.get("operator", ind.operator)
        zh, en = ind.zh, ind.en
        if details.get("coastline") == MAINLAND_AND_ISLANDS:  # the plans' 大陆 would be wrong: islands are in the figure
            zh, en = "自然岸线保有率(大陆及海岛岸线)", "natural coastline retention, mainland and islands"
        if value is None or target is None:
            status = "not_applicable"
        else:
            status = "pass" if compare(operator, value, float(target), entry.get("tolerance")) else "fail"
        results.append(
            {
                "id": name,
                "indicator": ind.id,
                "label_zh": entry.get("label", zh) if config.lang == "zh" else zh,
                "label_en": entry.get("label", en) if config.lang == "en" else en,
                "unit": ind.unit,
                "formula": ind.formula,
                "params": params,
                "value": value,
                "operator": operator,
                "target": target,
                **({"tolerance": entry["tolerance"]} if operator == "~" and "tolerance" in entry else {}),
                "status": status,
                "source": entry.get("source"),
                "details": details,
            }
        )
    inputs = audit_inputs(atlas, config)
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return AuditResult(config=config, atlas=atlas, indicators=results, tables=tables, inputs=inputs, generated_at=now)
