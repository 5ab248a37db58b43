"""Pinyin of names for search: initials ('zxy' finds 张晓燕) and the full syllables, with the
surname readings that differ from the common reading (曾 zeng, 单 shan, 解 xie …)."""

from __future__ import annotations

import functools

from pypinyin import Style, lazy_pinyin

# Compound surnames first, then single characters whose surname reading is not the common one.
SURNAMES: dict[str, list[str]] = {
    "欧阳": ["ou", "yang"],
    "上官": ["shang", "guan"],
    "司马": ["si", "ma"],
    "诸葛": ["zhu", "ge"],
    "尉迟": ["yu", "chi"],
    "长孙": ["zhang", "sun"],
    "令狐": ["ling", "hu"],
    "皇甫": ["huang", "fu"],
    "东方": ["dong", "fang"],
    "慕容": ["mu", "rong"],
    "公孙": ["gong", "sun"],
    "宇文": ["yu", "wen"],
    "万俟": ["mo", "qi"],
    "单于": ["chan", "yu"],
    "曾": ["zeng"],
    "单": ["shan"],
    "解": ["xie"],
    "仇": ["qiu"],
    "区": ["ou"],
    "查": ["zha"],
    "朴": ["piao"],
    "黑": ["he"],
    "盖": ["ge"],
    "乐": ["yue"],
    "缪": ["miao"],
    "翟": ["zhai"],
    "覃": ["qin"],
    "员": ["yun"],
    "种": ["chong"],
    "秘": ["bi"],
    "繁": ["po"],
    "隗": ["wei"],
    "洗": ["xian"],
    "冼": ["xian"],
    "召": ["shao"],
    "句": ["gou"],
    "贲": ["ben"],
    "那": ["na"],
    "折": ["she"],
    "过": ["guo"],
    "阚": ["kan"],
    "郗": ["xi"],
    "靳": ["jin"],
    "任": ["ren"],
    "华": ["hua"],
    "纪": ["ji"],
    "宓": ["mi"],
    "相": ["xiang"],
    "藏": ["zang"],
    "臧": ["zang"],
    "长": ["chang"],
    "朝": ["chao"],
    "重": ["chong"],
    "降": ["xiang"],
    "石": ["shi"],
    "沈": ["shen"],
    "薄": ["bo"],
    "柏": ["bai"],
    "蕃": ["pi"],
    "尉": ["wei"],
    "闭": ["bi"],
    "能": ["nai"],
    "都": ["du"],
}


def syllables(name: str) -> list[str]:
    """The pinyin syllables of a name, surname read as a surname; non-Chinese characters kept."""
    return list(_syllables((name or "").strip()))


@functools.lru_cache(maxsize=65536)  # names repeat: a ledger of 100,000 rows holds far fewer names
def _syllables(name: str) -> tuple[str, ...]:
    return tuple(_read(name))


def _read(name: str) -> list[str]:
    if not name:
        return []
    for length in (2, 1):
        head = name[:length]
        if head in SURNAMES and len(name) > length:
            return SURNAMES[head] + lazy_pinyin(name[length:], style=Style.NORMAL, errors="default")
    return lazy_pinyin(name, style=Style.NORMAL, errors="default")


def initials(name: str) -> str:
    """'zxy' for 张晓燕, 'zxy' for 曾小燕 (zeng), 'sl' for 单丽 (shan)."""
    return readings(name)[0]


def full(name: str) -> str:
    return readings(name)[1]


def readings(name: str) -> tuple[str, str]:
    """(initials, full syllables) of a name, as Person stores them: the syllables looked up once."""
    syllables = _syllables((name or "").strip())
    return "".join(s[0] for s in syllables if s).lower(), "".join(syllables).lower()
