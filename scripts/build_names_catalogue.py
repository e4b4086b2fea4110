"""Build src/fugong/locale/en/LC_MESSAGES/names.po: English names of the Chinese names the pages show.

    python scripts/build_names_catalogue.py          # needs pypinyin (pip install '.[i18n]')

What it writes (msgctxt / msgid = the Chinese name / msgstr = English):

- ``region``: every name of the GB/T 2260 lists shipped in fugong/reference (2020 and 2021 vintages).
  Provinces and a few prefecture cities have official English names that are not plain pinyin
  (OFFICIAL below: Inner Mongolia, Hohhot, Urumqi, Lhasa, Harbin …). Every other name is generated:
  the pinyin of the name without its administrative suffix (pypinyin, tone marks dropped, syllables
  joined, an apostrophe before a syllable starting with a, o or e: Xi'an), then the suffix in English
  (区 District, 县 County, 市 City or nothing for a prefecture city, 自治县 Autonomous County, 旗
  Banner …), following the usual romanisation of Chinese place names (GB/T 16159, pinyin without tones).
- ``band``: the index bands of fugong.index.compute.IndexParams ("恢复 recovering" → "Recovering").
- ``gate``: common gate names (北门 North gate …).

The catalogue is regenerated, never edited by hand; tests/web/test_catalogues_are_complete.py checks
that every shipped region name has an English name.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REGIONS = REPO / "src" / "fugong" / "reference" / "data" / "regions"
OUT = REPO / "src" / "fugong" / "locale" / "en" / "LC_MESSAGES" / "names.po"

# Official English names that are not the plain pinyin of the name (provinces, minority-language cities).
OFFICIAL = {
    "北京市": "Beijing", "天津市": "Tianjin", "上海市": "Shanghai", "重庆市": "Chongqing",
    "内蒙古自治区": "Inner Mongolia", "广西壮族自治区": "Guangxi", "西藏自治区": "Tibet",
    "宁夏回族自治区": "Ningxia", "新疆维吾尔自治区": "Xinjiang", "香港特别行政区": "Hong Kong",
    "澳门特别行政区": "Macao", "陕西省": "Shaanxi", "呼和浩特市": "Hohhot", "乌鲁木齐市": "Urumqi",
    "拉萨市": "Lhasa", "哈尔滨市": "Harbin", "齐齐哈尔市": "Qiqihar", "乌兰察布市": "Ulanqab",
    "日喀则市": "Shigatse", "吐鲁番市": "Turpan", "喀什地区": "Kashgar Prefecture", "阿勒泰地区": "Altay Prefecture",
    "伊犁哈萨克自治州": "Ili Kazakh Autonomous Prefecture", "和田地区": "Hotan Prefecture",
    "阿克苏地区": "Aksu Prefecture", "克拉玛依市": "Karamay", "锡林郭勒盟": "Xilingol League",
    "呼伦贝尔市": "Hulunbuir", "巴彦淖尔市": "Bayannur", "鄂尔多斯市": "Ordos", "西双版纳傣族自治州":
    "Xishuangbanna Dai Autonomous Prefecture",
}
# Suffixes, longest first: (Chinese, English after the name, or "" for a prefecture city).
SUFFIXES = (
    ("特别行政区", " Special Administrative Region"), ("自治区", " Autonomous Region"), ("自治州", " Autonomous Prefecture"),
    ("自治县", " Autonomous County"), ("自治旗", " Autonomous Banner"), ("省直辖县级行政区划", "County-level units under the province"),
    ("自治区直辖县级行政区划", "County-level units under the region"), ("市辖区", " (city districts)"), ("林区", " Forestry District"),
    ("特区", " Special District"), ("地区", " Prefecture"), ("新区", " New Area"), ("省", ""), ("盟", " League"),
    ("旗", " Banner"), ("区", " District"), ("县", " County"), ("市", " City"),
)
# Ethnic groups named in autonomous units (民族): English names.
ETHNIC = {
    "蒙古族": "Mongol", "回族": "Hui", "藏族": "Tibetan", "维吾尔族": "Uyghur", "苗族": "Miao", "彝族": "Yi",
    "壮族": "Zhuang", "布依族": "Buyei", "朝鲜族": "Korean", "满族": "Manchu", "侗族": "Dong", "瑶族": "Yao",
    "白族": "Bai", "土家族": "Tujia", "哈尼族": "Hani", "哈萨克族": "Kazakh", "傣族": "Dai", "黎族": "Li",
    "傈僳族": "Lisu", "佤族": "Va", "畲族": "She", "拉祜族": "Lahu", "水族": "Sui", "东乡族": "Dongxiang",
    "纳西族": "Naxi", "景颇族": "Jingpo", "柯尔克孜族": "Kyrgyz", "土族": "Tu", "达斡尔族": "Daur",
    "仫佬族": "Mulao", "羌族": "Qiang", "撒拉族": "Salar", "毛南族": "Maonan", "仡佬族": "Gelao",
    "锡伯族": "Xibe", "普米族": "Pumi", "塔吉克族": "Tajik", "怒族": "Nu", "鄂温克族": "Evenk",
    "保安族": "Bonan", "裕固族": "Yugur", "京族": "Gin", "独龙族": "Derung", "鄂伦春族": "Oroqen",
    "各族": "", "哈萨克": "Kazakh", "蒙古": "Mongol",
}
GATES = {
    "北门": "North gate", "南门": "South gate", "东门": "East gate", "西门": "West gate", "正门": "Main gate",
    "大门": "Main gate", "侧门": "Side gate", "后门": "Back gate", "一号门": "Gate 1", "二号门": "Gate 2",
    "三号门": "Gate 3", "员工通道": "Staff entrance", "货运门": "Goods gate",
}


def pinyin(text: str) -> str:
    """'西湖' → 'Xihu', '西安' → "Xi'an" (GB/T 16159: syllables joined, apostrophe before a/o/e)."""
    from pypinyin import Style, lazy_pinyin

    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore", v_to_u=True) if s]
    syllables = [s.replace("ü", "ü") for s in syllables]
    out = ""
    for i, syllable in enumerate(syllables):
        if i and syllable[0] in "aoe":
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


def english(name: str, level: str) -> str:
    if name in OFFICIAL:
        return OFFICIAL[name]
    for suffix, english_suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix in ("省直辖县级行政区划", "自治区直辖县级行政区划"):
                return english_suffix
            if suffix == "市辖区":
                return english(stem, "city") + english_suffix
            ethnic = ""
            if suffix.startswith("自治"):
                # The groups follow the place name in Chinese order: 恩施土家族苗族 → Enshi Tujia Miao.
                found = []
                for group in sorted(ETHNIC, key=len, reverse=True):
                    while group in stem and len(stem) > len(group):
                        found.append((stem.index(group), ETHNIC[group]))
                        stem = stem.replace(group, "\0" * len(group), 1)
                stem = stem.replace("\0", "")
                ethnic = " ".join(name for _, name in sorted(found) if name)
            if suffix == "市" and level == "city":
                english_suffix = ""  # prefecture cities: "Hangzhou", not "Hangzhou City"
            return (pinyin(stem) + (" " + ethnic if ethnic else "") + english_suffix).strip()
    return pinyin(name)


def region_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for path in sorted(REGIONS.glob("regions-*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                names.setdefault(row["name"], english(row["name"], row["level"]))
    return names


def bands() -> dict[str, str]:
    import sys

    sys.path.insert(0, str(REPO / "src"))
    from fugong.index.compute import IndexParams

    out = {}
    for name in IndexParams().band_names:
        zh, _, en = name.partition(" ")
        out[name] = (en or zh)[:1].upper() + (en or zh)[1:]
    return out


def po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    sections = [("region", region_names()), ("band", bands()), ("gate", GATES)]
    lines = ["# English names of Chinese data names shown by fugong (regions, index bands, gates).",
             "# Generated by scripts/build_names_catalogue.py (pypinyin); do not edit by hand.",
             'msgid ""', 'msgstr ""', '"Project-Id-Version: fugong\\n"', '"Language: en\\n"',
             '"MIME-Version: 1.0\\n"', '"Content-Type: text/plain; charset=utf-8\\n"',
             '"Content-Transfer-Encoding: 8bit\\n"', ""]
    for context, names in sections:
        for zh in sorted(names):
            if not re.search(r"\S", names[zh]):
                raise SystemExit(f"no English name for {context} {zh}")
            lines += [f"msgctxt {po_string(context)}", f"msgid {po_string(zh)}", f"msgstr {po_string(names[zh])}", ""]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"{OUT}: {sum(len(n) for _, n in sections)} names")


if __name__ == "__main__":
    main()
