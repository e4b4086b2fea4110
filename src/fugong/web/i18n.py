"""UI text: Chinese first, English available. ``t(key, lang)``; unknown keys fall back to the key."""

MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"zh": "复工复产指挥平台", "en": "Work Resumption Command Centre"},
    "app.subtitle": {"zh": "一图一码一指数", "en": "One map, one code, one index"},
    "nav.overview": {"zh": "总览", "en": "Overview"},
    "nav.explorer": {"zh": "指数浏览", "en": "Explorer"},
    "nav.map": {"zh": "风险地图", "en": "Risk map"},
    "nav.logout": {"zh": "退出", "en": "Sign out"},
    "nav.label": {"zh": "主导航", "en": "Main navigation"},
    "nav.skip": {"zh": "跳到正文", "en": "Skip to content"},
    "nav.lang": {"zh": "English", "en": "中文"},
    "home.status": {"zh": "系统状态", "en": "System status"},
    "home.database": {"zh": "数据库", "en": "Database"},
    "home.engine": {"zh": "分析引擎", "en": "Analytics engine"},
    "home.as_of": {"zh": "数据日期", "en": "As of"},
    "home.revision": {"zh": "数据库版本", "en": "Schema revision"},
    "home.json": {"zh": "JSON 数据", "en": "JSON twin"},
    "footer.synthetic": {"zh": "演示数据为合成数据", "en": "Demo data is synthetic"},
}


def t(key: str, lang: str = "zh") -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["zh"]
