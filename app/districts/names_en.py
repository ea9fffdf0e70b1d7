"""District names in English: the one place both the dashboard and the English bulletins take them from.

A hand-written table (``HAND_NAMES``: every province, and the districts of Tianjin and Chongqing, the
demo's municipalities) wins where it has the place; every other name is written from its Chinese
name: the specific part in Hanyu Pinyin (pypinyin), the generic part translated, as the table writes
it — 河东区 → "Hedong District", 都江堰市 → "Dujiangyan City", 成都市 → "Chengdu",
木里藏族自治县 → "Muli Tibetan Autonomous County".

Why "Hedong District" and not "Hedong Qu" (the issue's pypinyin example, which is also how GB/T 17693
writes signs): the table, the English bulletins already published from it and the State Council's
own English pages translate the generic part, and one convention must hold across a page — a
ranking with "Heping District" above "Hedong Qu" would read as two kinds of place. Switching to the
sign convention is one table (``GENERICS``).

pypinyin reads most place names right but not every polyphone (六安 Lu'an, 乐亭 Laoting): a name it
gets wrong belongs in ``HAND_NAMES``.

Every district of the code table (seed/data/districts.csv) has its names written out once into
seed/data/districts_en.csv (``python -m app.districts.names_en``; a test checks the file is what this
module writes): pypinyin's phrase dictionary is some 58 MB in memory, which every server process
would otherwise hold for names that never change. pypinyin is imported only for a name the file does
not have.
"""

from __future__ import annotations

import csv
import sys
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from app.districts.codes import COUNTRY_CODE

HAND_NAMES: dict[str, str] = {
    # Provinces, municipalities and autonomous regions.
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "140000": "Shanxi",
    "150000": "Inner Mongolia",
    "210000": "Liaoning",
    "220000": "Jilin",
    "230000": "Heilongjiang",
    "310000": "Shanghai",
    "320000": "Jiangsu",
    "330000": "Zhejiang",
    "340000": "Anhui",
    "350000": "Fujian",
    "360000": "Jiangxi",
    "370000": "Shandong",
    "410000": "Henan",
    "420000": "Hubei",
    "430000": "Hunan",
    "440000": "Guangdong",
    "450000": "Guangxi",
    "460000": "Hainan",
    "500000": "Chongqing",
    "510000": "Sichuan",
    "520000": "Guizhou",
    "530000": "Yunnan",
    "540000": "Tibet",
    "610000": "Shaanxi",
    "620000": "Gansu",
    "630000": "Qinghai",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "710000": "Taiwan",
    "810000": "Hong Kong",
    "820000": "Macao",
    # Tianjin's districts.
    "120101": "Heping District",
    "120102": "Hedong District",
    "120103": "Hexi District",
    "120104": "Nankai District",
    "120105": "Hebei District",
    "120106": "Hongqiao District",
    "120110": "Dongli District",
    "120111": "Xiqing District",
    "120112": "Jinnan District",
    "120113": "Beichen District",
    "120114": "Wuqing District",
    "120115": "Baodi District",
    "120116": "Binhai New Area",
    "120117": "Ninghe District",
    "120118": "Jinghai District",
    "120119": "Jizhou District",
    # Chongqing's districts and counties.
    "500101": "Wanzhou District",
    "500102": "Fuling District",
    "500103": "Yuzhong District",
    "500104": "Dadukou District",
    "500105": "Jiangbei District",
    "500106": "Shapingba District",
    "500107": "Jiulongpo District",
    "500108": "Nan'an District",
    "500109": "Beibei District",
    "500110": "Qijiang District",
    "500111": "Dazu District",
    "500112": "Yubei District",
    "500113": "Banan District",
    "500114": "Qianjiang District",
    "500115": "Changshou District",
    "500116": "Jiangjin District",
    "500117": "Hechuan District",
    "500118": "Yongchuan District",
    "500119": "Nanchuan District",
    "500120": "Bishan District",
    "500151": "Tongliang District",
    "500152": "Tongnan District",
    "500153": "Rongchang District",
    "500154": "Kaizhou District",
    "500155": "Liangping District",
    "500156": "Wulong District",
    "500157": "Liangjiang New Area",
    "500229": "Chengkou County",
    "500230": "Fengdu County",
    "500231": "Dianjiang County",
    "500233": "Zhong County",
    "500235": "Yunyang County",
    "500236": "Fengjie County",
    "500237": "Wushan County",
    "500238": "Wuxi County",
    "500240": "Shizhu Tujia Autonomous County",
    "500241": "Xiushan Tujia and Miao Autonomous County",
    "500242": "Youyang Tujia and Miao Autonomous County",
    "500243": "Pengshui Miao and Tujia Autonomous County",
}

# GB/T 2260's groupings (市辖区 120100): not places, but their rows exist and a listing may show them.
PSEUDO_CITIES = {
    "市辖区": "Districts",
    "县": "Counties",
    "省直辖县级行政区划": "County-level divisions under the province",
    "自治区直辖县级行政区划": "County-level divisions under the region",
}

# Generic parts, longest first (自治县 before 县, 新区 before 区). A prefecture-level 市 is written
# without "City" (Chengdu), a county-level one with it (Dujiangyan City): see ``english_name``.
GENERICS: tuple[tuple[str, str], ...] = (
    ("特别行政区", "Special Administrative Region"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("新区", "New Area"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
    ("州", "Prefecture"),
    ("市", "City"),
    ("省", "Province"),
)

# The peoples that autonomous areas are named after, as their English names are written.
PEOPLES = {
    "土家": "Tujia", "苗": "Miao", "回": "Hui", "彝": "Yi", "藏": "Tibetan", "蒙古": "Mongol",
    "壮": "Zhuang", "侗": "Dong", "瑶": "Yao", "满": "Manchu", "哈萨克": "Kazak", "傣": "Dai",
    "白": "Bai", "哈尼": "Hani", "黎": "Li", "布依": "Bouyei", "羌": "Qiang", "纳西": "Naxi",
    "傈僳": "Lisu", "拉祜": "Lahu", "佤": "Va", "仡佬": "Gelao", "水": "Sui", "畲": "She",
    "土": "Tu", "撒拉": "Salar", "保安": "Bonan", "东乡": "Dongxiang", "锡伯": "Xibe",
    "达斡尔": "Daur", "鄂温克": "Evenki", "鄂伦春": "Oroqen", "朝鲜": "Korean", "裕固": "Yugur",
    "景颇": "Jingpo", "塔吉克": "Tajik", "仫佬": "Mulao", "毛南": "Maonan", "独龙": "Derung",
    "怒": "Nu", "普米": "Pumi", "布朗": "Blang", "维吾尔": "Uygur", "柯尔克孜": "Kirgiz",
    "各": "",  # 各族自治县: "of all peoples", said by "Autonomous" alone
}  # fmt: skip
# Longest first, so that 土家 is tried before 土.
_PEOPLES_BY_LENGTH = sorted(PEOPLES, key=len, reverse=True)


def pinyin(text: str) -> str:
    """河东 → "Hedong", 南岸 → "Nan'an", 吕梁 → "Lüliang": one word, capitalised, with the apostrophe
    that keeps a syllable starting a, o or e apart from the one before."""
    from pypinyin import Style, lazy_pinyin  # only for names the written table does not have

    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore")
    word = ""
    for i, syllable in enumerate(syllables):
        if i and syllable[:1] in ("a", "o", "e"):
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


def _peoples(text: str) -> tuple[str, list[str]]:
    """彭水苗族土家族 → ("彭水", ["Miao", "Tujia"]): the place and the peoples it is named after, read
    from the end. A one-character people only counts with 族 (大通回族土族), a longer one also without
    (博尔塔拉蒙古)."""
    peoples: list[str] = []
    while True:
        for people in _PEOPLES_BY_LENGTH:
            if text.endswith(people + "族"):
                text = text[: -len(people) - 1]
                break
            if len(people) > 1 and text.endswith(people):
                text = text[: -len(people)]
                break
        else:
            return text, peoples[::-1]
        peoples.append(PEOPLES[people])


def _and(items: list[str]) -> str:
    """["Bonan", "Dongxiang", "Salar"] → "Bonan, Dongxiang and Salar"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def written_table_path() -> Path:
    return Path(str(resources.files("seed").joinpath("data", "districts_en.csv")))


@cache
def _written() -> dict[str, tuple[str, str, str]]:
    """code → (Chinese name, English name, short English name) as ``write_table`` wrote them."""
    path = written_table_path()
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {row["code"]: (row["name"], row["english"], row["short"]) for row in csv.DictReader(f)}


@lru_cache(maxsize=8192)
def english_name(code: str, name: str, *, generic: bool = True) -> str:
    """The English name of the district ``code`` called ``name``: the hand table's, else written from
    the Chinese name. ``generic=False`` leaves the generic part out, as maps label places (Hedong)."""
    written = _written().get(code)
    if written is not None and written[0] == name:
        return written[1] if generic else written[2]
    return write_english_name(code, name, generic=generic)


def write_english_name(code: str, name: str, *, generic: bool = True) -> str:
    """``english_name`` written from the tables and pinyin, without the written file."""
    if code == COUNTRY_CODE:
        return "China"
    hand = HAND_NAMES.get(code)
    if hand is not None and generic:
        return hand
    if name in PSEUDO_CITIES:
        return PSEUDO_CITIES[name]
    stem, suffix, kind = name, "", ""
    for chinese, english in GENERICS:
        if name.endswith(chinese) and len(name) > len(chinese):
            stem, suffix, kind = name[: -len(chinese)], chinese, english
            break
    if suffix == "省" or (suffix == "市" and not _is_county_level(code)):
        kind = ""  # provinces and prefecture-level cities go by their names alone: Sichuan, Chengdu
    peoples: list[str] = []
    if kind.startswith("Autonomous"):
        stem, found = _peoples(stem)
        peoples = [p for p in found if p]
    if hand is not None:  # the map's short form of a table name
        return _short(hand)
    if not generic:  # the place alone (Muli), or its people when it is named after them (Dongxiang)
        return pinyin(stem) if stem else (_and(peoples) if peoples else pinyin(name))
    words = [pinyin(stem)] if stem else []
    if peoples:
        words.append(_and(peoples))
    if kind:
        words.append(kind)
    return " ".join(words) if words else pinyin(name)


def _is_county_level(code: str) -> bool:
    """GB/T 2260: a county-level code does not end in 00 (120102); a city's does (510100)."""
    return len(code) >= 6 and not code.endswith("00")


def _short(hand: str) -> str:
    """ "Heping District" → "Heping", "Shizhu Tujia Autonomous County" → "Shizhu", "Binhai New Area" →
    "Binhai"; a province's name stays whole (Inner Mongolia)."""
    for tail in (" New Area", " District", " County", " City"):
        if hand.endswith(tail):
            head = hand[: -len(tail)]
            return head.split(" ")[0] if "Autonomous" in head else head
    return hand


def full_english_name(code: str, name: str, parent: tuple[str, str] | None) -> str:
    """ "Hedong District, Linyi": a district with the city (or municipality) it lies in."""
    own = english_name(code, name)
    return f"{own}, {english_name(*parent)}" if parent else own


def table_rows(districts_csv: Path) -> list[tuple[str, str, str, str]]:
    """(code, name, English name, short English name) of every district of ``districts_csv``."""
    with districts_csv.open(encoding="utf-8", newline="") as f:
        rows = [(row["code"], row["name"]) for row in csv.DictReader(f)]
    return [
        (code, name, write_english_name(code, name), write_english_name(code, name, generic=False))
        for code, name in rows
    ]


def write_table(districts_csv: Path, out: Path) -> int:
    """Write seed/data/districts_en.csv from the code table; the number of districts written."""
    rows = table_rows(districts_csv)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "english", "short"])
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    from app.districts.boundary_source import districts_csv

    written = write_table(districts_csv(), written_table_path())
    print(f"{written} 个区划的英文名已写入 English names of {written} districts written: {written_table_path()}")
    sys.exit(0)
