"""Given and family names as channels send them, put right before anything compares them.

Front desks and chat agents write what they hear: a title for the name ("先生", "楊小姐",
"Mr Tanaka"), or the family name in the given-name field ("吳" / "欣怡"). Taken as they come,
"先生" is a given name that disagrees with every real one, and one person's records look like
two people's. This module reads a pair of fields into the person's given and family name:

- a title (before a Latin name, after a CJK one) is dropped, and what is left of a titled
  given-name field is a family name, not a given name;
- a single CJK character in the given-name field that is a common family name is a family
  name: alone, or beside a longer name in the family-name field (the fields were swapped);
- a Han name is also spelt in Wade–Giles (pypinyin), the romanisation Taiwanese documents
  use, so "萱蓉 賴" and "Hsuan-jung Lai" can be seen to name one person.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# titles written after a CJK name, or alone in its place
_CJK_TITLES = (
    "先生", "小姐", "女士", "太太", "夫人", "老師", "老师", "醫師", "医师", "醫生", "医生",
    "同學", "同学", "小朋友", "阿姨", "様", "さま", "さん", "殿", "씨", "님", "고객님",
)  # fmt: skip
# titles written before a Latin name
_LATIN_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mme", "mlle", "herr", "frau"}
)
# The most common single-character family names (Taiwan, mainland China, Hong Kong, Korea):
# they cover most people, and a given name of one such character alone is rare next to a
# family name typed in the given-name field.
_CJK_SURNAMES = frozenset(
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴徐周葉蘇莊江呂何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯"
    "翁魏孫戴范方宋鄧杜傅侯曹薛丁卓阮馬董溫温唐藍石蔣古紀姚連馮歐程湯田康姜白汪鄒尤巫鐘黎涂龔嚴韓"
    "袁金童陸夏柳凃邵錢伍倪于譚駱熊任甘秦顧毛章史官萬俞雷饒"
    "陈黄张吴刘杨许郑谢赖叶苏庄吕萧罗简钟卢赵颜孙邓马蓝蒋纪连冯欧汤邹龚严韩陆钱谭骆顾万饶"
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원"
    "천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
)


def is_cjk(ch: str) -> bool:
    """Whether a character is Han, Hangul or Kana."""
    return unicodedata.name(ch, "").startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA"))


def split_name(given: object, family: object) -> tuple[str, str]:
    """The person's given and family name from the two fields as sent (either may be absent)."""
    return _split_name(
        given if isinstance(given, str) else None, family if isinstance(family, str) else None
    )


@lru_cache(maxsize=65536)  # names repeat across records; the function is pure
def _split_name(given: str | None, family: str | None) -> tuple[str, str]:
    first, titled = _untitled(given)
    last, _ = _untitled(family)
    if titled:  # "楊小姐", "先生", "Mr Tanaka": no given name, maybe a family name
        return "", last or first
    if len(first) == 1 and first in _CJK_SURNAMES and not last:
        return "", first  # "吳" alone: a family name typed in the given-name field
    if (
        len(first) == 1
        and first in _CJK_SURNAMES
        and len(last) >= 2
        and all(is_cjk(ch) for ch in last)
    ):
        return last, first  # "吳" / "欣怡": the fields were swapped
    return first, last


def _untitled(raw: object) -> tuple[str, bool]:
    """The name without a title, and whether it carried one."""
    if not isinstance(raw, str):
        return "", False
    return _untitled_text(raw)


@lru_cache(maxsize=65536)  # pure, and names repeat: every candidate's record is read again
def _untitled_text(raw: str) -> tuple[str, bool]:
    text = unicodedata.normalize("NFKC", raw).strip()
    for title in _CJK_TITLES:
        if text.endswith(title):
            before = text[: -len(title)].rstrip()
            if not before or is_cjk(before[-1]):
                return before, True
    words = text.split()
    if len(words) >= 1 and words[0].rstrip(".").casefold() in _LATIN_TITLES:
        return " ".join(words[1:]), True
    return text, False


@lru_cache(maxsize=65536)
def wade_giles(text: str) -> str:
    """A Han name in Wade–Giles as Taiwanese passports and cards spell it ("萱蓉" ->
    "hsuan jung", "陳" -> "chen"), lower-case, apostrophes and umlauts dropped; empty when the
    text holds no Han character. Pinyin (what ``anyascii`` gives) and Wade–Giles spell most
    Taiwanese names differently ("xuan rong"), so both are compared."""
    if not any(unicodedata.name(ch, "").startswith("CJK") for ch in text):
        return ""
    words = lazy_pinyin(text, style=Style.WADEGILES, errors="ignore")
    return " ".join(w.replace("'", "").replace("v", "u").casefold() for w in words if w)
