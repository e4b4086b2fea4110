"""The shape of the synthetic Zhejiang economy: where enterprises are, what they make, how big they are.

These are hand-set, illustrative priors (ours, not published statistics) chosen to look like
Zhejiang: manufacturing-heavy (textiles in Shaoxing, electrical and shoes in Wenzhou, ships and
petrochemicals in Zhoushan, software in Hangzhou), mostly small and micro firms that use little
electricity each, and a few large ones that use most of it. Nothing here is fitted; the fitted
restart model and the published targets live in ``fugong.demo.calibration`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Share of the province's enterprise meters by prefecture city (GB/T 2260 4-digit prefix).
CITY_SHARE = {
    "3301": 0.17,  # 杭州 Hangzhou
    "3302": 0.16,  # 宁波 Ningbo
    "3303": 0.14,  # 温州 Wenzhou
    "3304": 0.09,  # 嘉兴 Jiaxing
    "3305": 0.06,  # 湖州 Huzhou
    "3306": 0.09,  # 绍兴 Shaoxing
    "3307": 0.12,  # 金华 Jinhua
    "3308": 0.03,  # 衢州 Quzhou
    "3309": 0.02,  # 舟山 Zhoushan
    "3310": 0.09,  # 台州 Taizhou
    "3311": 0.03,  # 丽水 Lishui
}
WENZHOU, ZHOUSHAN = "3303", "3309"


@dataclass(frozen=True)
class Industry:
    code: str  # GB/T 4754-2017 division (2 digits) or class (4 digits)
    name: str
    weight: float  # relative number of enterprises, province-wide
    intensity: float = 1.0  # kWh multiplier against an average factory of the same size
    continuous: bool = False  # continuous process: runs day and night, often never stops
    essential: bool = False  # may restart before 2020-02-10 (food, medicine, utilities)
    service: bool = False


INDUSTRIES = (
    Industry("13", "农副食品加工业", 3, 1.0, essential=True),
    Industry("14", "食品制造业", 2, 1.0, essential=True),
    Industry("15", "酒、饮料和精制茶制造业", 1, 0.8),
    Industry("1711", "棉纺纱加工", 3, 1.4),
    Industry("1712", "棉织造加工", 3, 1.2),
    Industry("17", "纺织业", 6, 1.2),
    Industry("18", "纺织服装、服饰业", 6, 0.6),
    Industry("19", "皮革、毛皮、羽毛及其制品和制鞋业", 4, 0.6),
    Industry("20", "木材加工和木、竹、藤、棕、草制品业", 2, 0.9),
    Industry("21", "家具制造业", 3, 0.7),
    Industry("22", "造纸和纸制品业", 2, 2.0, continuous=True),
    Industry("23", "印刷和记录媒介复制业", 2, 0.8),
    Industry("24", "文教、工美、体育和娱乐用品制造业", 3, 0.6),
    Industry("25", "石油、煤炭及其他燃料加工业", 0.3, 4.0, continuous=True),
    Industry("26", "化学原料和化学制品制造业", 4, 2.5, continuous=True),
    Industry("27", "医药制造业", 2, 1.5, essential=True),
    Industry("28", "化学纤维制造业", 2, 2.5, continuous=True),
    Industry("29", "橡胶和塑料制品业", 6, 1.0),
    Industry("30", "非金属矿物制品业", 3, 2.0, continuous=True),
    Industry("31", "黑色金属冶炼和压延加工业", 0.8, 4.0, continuous=True),
    Industry("32", "有色金属冶炼和压延加工业", 1, 3.0, continuous=True),
    Industry("33", "金属制品业", 7, 1.0),
    Industry("34", "通用设备制造业", 9, 0.9),
    Industry("35", "专用设备制造业", 5, 0.9),
    Industry("36", "汽车制造业", 3, 1.1),
    Industry("37", "铁路、船舶、航空航天和其他运输设备制造业", 1, 1.0),
    Industry("3731", "金属船舶制造", 0.5, 1.2),
    Industry("38", "电气机械和器材制造业", 8, 1.0),
    Industry("3825", "光伏设备及元器件制造", 0.8, 1.3),
    Industry("39", "计算机、通信和其他电子设备制造业", 4, 1.2),
    Industry("40", "仪器仪表制造业", 2, 0.7),
    Industry("41", "其他制造业", 2, 0.6),
    Industry("44", "电力、热力生产和供应业", 0.5, 1.5, continuous=True, essential=True),
    Industry("46", "水的生产和供应业", 0.5, 1.0, continuous=True, essential=True),
    Industry("51", "批发业", 4, 0.3, service=True),
    Industry("52", "零售业", 4, 0.4, service=True),
    Industry("61", "住宿业", 1, 0.6, service=True),
    Industry("62", "餐饮业", 2, 0.5, service=True),
    Industry("65", "软件和信息技术服务业", 1.5, 0.4, service=True),
    Industry("72", "商务服务业", 2, 0.3, service=True),
)

# Local specialisations: the industry weight is multiplied by these in the given city.
CITY_INDUSTRY_BOOST = {
    "3301": {"39": 2.5, "65": 4, "72": 2},
    "3302": {"25": 3, "26": 1.5, "36": 2, "34": 1.5},
    "3303": {"38": 2.5, "19": 3, "34": 1.5, "18": 1.5, "29": 1.5},
    "3304": {"28": 3, "17": 1.5},
    "3305": {"21": 3, "30": 2},
    "3306": {"17": 3, "1711": 3, "1712": 3, "28": 2},
    "3307": {"24": 2.5, "41": 2, "51": 2, "33": 1.5},
    "3308": {"26": 2, "30": 2},
    "3309": {"3731": 25, "37": 6, "13": 4, "25": 10, "26": 2},
    "3310": {"27": 2.5, "36": 1.5, "29": 1.5},
    "3311": {"20": 3, "33": 1.5},
}


@dataclass(frozen=True)
class SizeClass:
    code: str  # 国家统计局《统计上大中小微型企业划分办法》: 大型 / 中型 / 小型 / 微型
    name: str
    share: float  # share of enterprise meters
    median_kwh: float  # median working-day kWh before the baseline scale of calibration.py
    sigma: float  # lognormal spread of the level between enterprises
    noise: float  # day-to-day lognormal noise
    never_stopped: float  # chance of being a plant that never stops (×3 for continuous process)


SIZE_CLASSES = (
    SizeClass("large", "大型", 0.01, 90_000, 0.8, 0.08, 0.05),
    SizeClass("medium", "中型", 0.06, 12_000, 0.7, 0.10, 0.04),
    SizeClass("small", "小型", 0.33, 1_800, 0.8, 0.13, 0.03),
    SizeClass("micro", "微型", 0.60, 180, 1.0, 0.18, 0.03),
)


def zhejiang_counties() -> list[str]:
    """The 90 county-level codes of Zhejiang in the 2020 vintage of GB/T 2260, sorted."""
    try:
        from fugong.reference.regions import children

        codes = [getattr(c, "code", c) for c in children("33", vintage="2020", level="county")]
        if codes:
            return sorted(str(c) for c in codes)
    except (ImportError, AttributeError, TypeError):  # the regions module is not there yet
        pass
    import csv

    path = Path(__file__).resolve().parents[3].parent / "shared/data/reference/china-area-codes-2020.csv"
    with path.open(encoding="utf-8") as fh:
        return sorted(
            row["code"] for row in csv.DictReader(fh) if row["code"].startswith("33") and not row["code"].endswith("00")
        )
