"""The conflict rule table (冲突核查规则): :class:`Rule`, the built-in :data:`RULES` and :data:`SEVERITIES`.

A :class:`Rule` says which layer kind it checks, against which control
layer, and how severe an overlap is for each value of a field.  The built-in
rules follow the 2022 notice on red-line management (自然资发〔2022〕142号).
:func:`ecozone.measure.conflicts.conflicts` applies them; every name here is
importable from :mod:`ecozone.measure.conflicts` as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field as _dcfield
from typing import Any

from ..schema import KINDS, normalise_code

__all__ = ["Rule", "RULES", "SEVERITIES", "share_of"]

#: Severities, most serious first: 违规 violation, 需关注 warning, 信息 info.
SEVERITIES = {"violation": "违规", "warning": "需关注", "info": "信息"}


@dataclass(frozen=True)
class Rule:
    """One conflict rule: which features, against which control layer, how severe.

    ``field`` is the feature field whose (normalised) code decides the
    severity through ``severities``; codes not listed get ``default``
    (None: not reported).  ``near`` is the severity of a feature that does
    not touch the control layer but lies within the search radius (None: not
    reported).  ``realm`` restricts a red-line control layer to land or marine.
    """

    name: str
    zh: str
    en: str
    kind: str
    against: str = "redline"
    realm: str | None = None
    field: str | None = None
    severities: Mapping[str, str] = _dcfield(default_factory=dict)
    default: str | None = "warning"
    near: str | None = None
    basis: str = ""

    def severity(self, value: Any) -> str | None:
        if self.field is None:
            return self.default
        codes = KINDS[self.kind].field(self.field).codes
        code = normalise_code(codes, value) if codes is not None else value
        return self.severities.get(code, self.default)


_BASIS = "自然资发〔2022〕142号 关于加强生态保护红线管理的通知(试行): 红线内仅允许十类有限人为活动"

RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "mine_in_redline",
            "矿山位于生态保护红线内",
            "mine inside the ecological red line",
            kind="mine",
            realm="land",
            field="status",
            severities={"production": "violation"},
            default="warning",
            basis=_BASIS + "; 生产矿山不在其列, 历史遗留矿山应优先修复",
        ),
        Rule(
            "ranch_in_marine_redline",
            "海洋牧场位于海洋生态保护红线内",
            "marine ranch inside the marine red line",
            kind="marine_ranch",
            realm="marine",
            field="type",
            severities={"reef": "violation", "enclosed": "violation"},
            default="info",
            basis=_BASIS + "; 投礁型海洋牧场、围海养殖不在其列",
        ),
        Rule(
            "ranch_wind_farm",
            "海洋牧场与海上风电场重叠(风渔融合)",
            "marine ranch sharing an offshore wind farm site",
            kind="marine_ranch",
            against="wind_farm",
            default="info",
            basis="风渔融合: the plans promote ranching inside offshore wind farms; information, not a violation",
        ),
        Rule(
            "project_in_redline",
            "建设项目占用生态保护红线",
            "construction project touching the red line",
            kind="project",
            default="violation",
            near="warning",
            basis=_BASIS + "; 建设项目选址应避让生态保护红线",
        ),
    )
}

def share_of(rule: str | Rule) -> str:
    """What a finding's ``share`` is a share of, in words: ``of the mine inside the red line``.

    ``share`` is the overlap ÷ the feature's own area (the mine's, the project's, the ranch's),
    never of the red line's or the zone's area.
    """
    rule = RULES[rule] if isinstance(rule, str) else rule
    feature = {"marine_ranch": "ranch"}.get(rule.kind, KINDS[rule.kind].en)
    against = ("marine red line" if rule.realm == "marine" else "red line") if rule.against == "redline" else KINDS[rule.against].en
    return f"of the {feature} inside the {against}"
