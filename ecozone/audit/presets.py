"""Audit presets (规划目标预设): the targets of published plans, each citing its source."""

from __future__ import annotations

from typing import Any

#: Targets from published plans.  Each indicator carries the source it comes from.
PRESETS: dict[str, dict[str, Any]] = {
    "national": {
        "title": "全国 自然岸线保有率 ≥ 35 %",
        "source": "海岸线保护与利用管理办法 (国家海洋局, 2017): 全国自然岸线保有率不低于35% (不含海岛岸线)",
        "indicators": {"coastline_retention": {"target": 35}},
    },
    "shandong-city-2025": {
        "title": "山东沿海城市 2025 (自然岸线保有率 ≥ 37 %, 滨海湿地修复 ≥ 120 公顷)",
        "source": "《2023-2025年美丽城市建设行动方案》(a Shandong coastal city's action plan, as republished; "
                  "ecozone targets reads it): 「2025年年底前,全市自然岸线保有率达到37%。」"
                  "「2025年年底前,滨海湿地修复面积不少于120公顷及上级部门分配的指标。」",
        "indicators": {
            "coastline_retention": {"target": 37},
            "coastal_wetland_restoration": {"indicator": "restoration_area", "type": "coastal_wetland",
                                            "until": 2025, "target": 120},
        },
    },
    "qingdao-2025": {
        "title": "青岛市 2025 自然岸线保有率 ≥ 41.68 %",
        "source": "青岛市 2025 年目标: 大陆自然岸线保有率不低于 41.68%; the document it comes from is not named here "
                  "(the figure as quoted in ecozone's design notes, DESIGN.md §1): check it against Qingdao's published plan",
        "indicators": {"coastline_retention": {"target": 41.68}},
    },
    "shandong-2020-mines": {
        "title": "山东省 2020 矿山治理 (历史遗留、生产矿山治理率 ≥ 60 %)",
        "source": "山东省 2020 年矿山地质环境治理目标: 历史遗留矿山与生产矿山治理率 ≥ 60%; the document it comes from is "
                  "not named here (the figure as quoted in ecozone's design notes, DESIGN.md §1-2): check it against the "
                  "province's published plan",
        "indicators": {
            "historic_mine_restoration": {"indicator": "mine_restoration_rate", "status": "historic", "target": 60},
            "production_mine_restoration": {"indicator": "mine_restoration_rate", "status": "production", "target": 60},
        },
    },
}
