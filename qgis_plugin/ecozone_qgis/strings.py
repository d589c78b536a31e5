"""The plugin's own words in Chinese and English (the algorithms' help comes from ecozone, in algorithms.json)."""

STRINGS = {
    "en": {
        "provider": "ecozone",
        "provider_long": "ecozone: ecological-zoning analysis for Chinese cities (run out of process)",
        "setting_executable": "ecozone command (or its environment's folder, or that environment's python); "
                              "empty: ecozone on PATH",
        "target_missed": "ecozone: a target was missed (exit status 1: a failing indicator, or a finding as severe "
                         "as fail-on), named in the log above; the outputs were written",
        "bad_input": "bad input (exit status 2)",
        "version_mismatch": "(the ecozone the plugin runs is not the one it was made from; fix: upgrade that ecozone, "
                            "or install the plugin it makes: ecozone qgis-plugin --zip DIR)",
        "crs_hint": "(in QGIS: give the layer its CRS in Layer Properties › Source › Assigned Coordinate Reference System)",
        "crs_assign": "(in QGIS: assign {crs} to the layer in Layer Properties › Source › Assigned Coordinate Reference "
                      "System)",
        "crs_words": "the layer's assigned CRS in QGIS",
        "not_ecozone": "ecozone did not run ({detail}); fix: set Settings › Options › Processing › Providers › ecozone "
                       "› ecozone command to the ecozone command of an environment where ecozone is installed",
        "output_format": "{path}: ecozone writes this output as a GeoPackage (.gpkg) or GeoJSON (.geojson) only; fix: "
                         "choose one of those (or a temporary layer) and save it in another format from QGIS",
        "note": "ecozone: {message}",
        "warning": "ecozone: warning: {message}",
        "internal_error": "ecozone: internal error: {detail}. This is a bug in ecozone: please report it with the "
                          "log above (run the command shown there with -vv for the traceback)",
        "output": "Output",
        "layers": "Layers loaded",
        "running": "Running",
        "written_layer": "Writing layer {name} for ecozone",
        "canceled": "Canceled",
        "no_json": "algorithms.json is missing from the plugin; fix: install the zip from `ecozone qgis-plugin --zip DIR`",
        "help_parameters": "Parameters",
        "help_command": "Runs",
    },
    "zh": {
        "provider": "ecozone",
        "provider_long": "ecozone 生态分区分析(在独立进程中运行)",
        "setting_executable": "ecozone 命令(或其 Python 环境目录, 或该环境的 python); 留空则使用 PATH 中的 ecozone",
        "target_missed": "ecozone: 有目标未达标(退出码 1: 指标未达标, 或有达到 fail-on 严重程度的冲突), 见上方日志; 输出已写出",
        "bad_input": "输入有误(退出码 2)",
        "version_mismatch": "(插件调用的 ecozone 与生成插件的 ecozone 版本不一致; 修正: 升级该 ecozone, 或安装它生成的插件: "
                            "ecozone qgis-plugin --zip DIR)",
        "crs_hint": "(在 QGIS 中: 图层属性 › 源 › 指定坐标参考系)",
        "crs_assign": "(在 QGIS 中: 图层属性 › 源 › 指定坐标参考系 设为 {crs})",
        "crs_words": "QGIS 中图层指定的坐标参考系",
        "not_ecozone": "ecozone 未能运行({detail}); 修正: 在 设置 › 选项 › 处理 › 提供者 › ecozone › ecozone 命令 中填写已安装 "
                       "ecozone 的环境中的 ecozone 命令",
        "output_format": "{path}: ecozone 只能把此输出写成 GeoPackage(.gpkg) 或 GeoJSON(.geojson); 修正: 改选其中一种(或临时图层), "
                         "再在 QGIS 中另存为其他格式",
        "note": "ecozone: {message}",
        "warning": "ecozone: 警告: {message}",
        "internal_error": "ecozone: 内部错误: {detail}。这是 ecozone 的缺陷: 请附上上方日志报告(用 -vv 运行日志中的命令可得到"
                          "完整回溯)",
        "output": "输出",
        "layers": "已加载的图层",
        "running": "运行",
        "written_layer": "为 ecozone 写出图层 {name}",
        "canceled": "已取消",
        "no_json": "插件缺少 algorithms.json; 修正: 安装 `ecozone qgis-plugin --zip DIR` 生成的 zip",
        "help_parameters": "参数",
        "help_command": "运行",
    },
}


def language():
    """``zh`` when QGIS runs in Chinese, else ``en``."""
    try:
        from qgis.core import QgsSettings
        from qgis.PyQt.QtCore import QLocale

        locale = QgsSettings().value("locale/userLocale", "") or QLocale().name()
    except Exception:  # outside QGIS
        locale = ""
    return "zh" if str(locale).lower().startswith("zh") else "en"


def strings(lang=None):
    """The plugin's words in ``lang`` (default: QGIS's language)."""
    return STRINGS[lang or language()]


def pick(texts, lang=None):
    """``{"zh": …, "en": …}`` → the text in QGIS's language."""
    lang = lang or language()
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))
