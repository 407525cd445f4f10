"""Invented Chinese place names, personal names and mobile numbers."""

import random

from sources.generator.draws import Weighted, between, pick

_PLACE_SYLLABLES = (
    "清东西南北桂云青金银锦翠明新安长和平兴华阳春秋梅竹松柳荷湖江河山石桥溪泉林园丰康宁福瑞祥"
    "文德光朝晨星月龙凤鹤鹿枫桃李杏兰菊莲芳翔鸿嘉泰盛富裕永胜利民乐仁义礼信育英才秀丽雅"
)

_SURNAMES = (
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 54),
    ("陈", 47),
    ("杨", 32),
    ("黄", 25),
    ("赵", 20),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 14),
    ("马", 13),
    ("朱", 13),
    ("胡", 12),
    ("郭", 11),
    ("何", 11),
    ("林", 10),
    ("高", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 8),
    ("谢", 7),
    ("宋", 7),
    ("唐", 7),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("潘", 4),
    ("袁", 4),
    ("蔡", 4),
    ("蒋", 4),
    ("余", 4),
    ("于", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 3),
    ("魏", 3),
    ("苏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("卢", 3),
    ("姚", 3),
    ("沈", 3),
    ("钟", 3),
    ("姜", 3),
    ("崔", 3),
    ("谭", 2),
    ("陆", 2),
    ("范", 2),
    ("汪", 2),
    ("廖", 2),
    ("石", 2),
    ("金", 2),
    ("韦", 2),
    ("贾", 2),
    ("欧阳", 1),
    ("司马", 1),
    ("上官", 1),
    ("诸葛", 1),
)
_SURNAME_DRAW = Weighted(_SURNAMES)

_GIVEN_MALE = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆晨阳瑞博文轩宏志建国峰亮龙海天泽浩然子豪"
)
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英慧颖婷雪琳玉兰桂梅红燕萍欣怡佳琪梦瑶雨涵诗悦晓月洁倩璐思彤"

_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "195",
    "198",
    "199",
)


def place_name(rng: random.Random, suffix: str, taken: set[str]) -> str:
    """A two-syllable place name with ``suffix`` (区, 街道, 社区 …) not yet in ``taken``."""
    while True:
        name = rng.choice(_PLACE_SYLLABLES) + rng.choice(_PLACE_SYLLABLES) + suffix
        if name[0] != name[1] and name not in taken:
            taken.add(name)
            return name


def surname(rng: random.Random) -> str:
    return _SURNAME_DRAW.draw(rng)


def given_name(rng: random.Random, sex: str) -> str:
    chars = _GIVEN_MALE if sex == "男" else _GIVEN_FEMALE
    if rng.random() < 0.3:
        return pick(rng, chars)
    return pick(rng, chars) + pick(rng, chars)


def mobile(rng: random.Random) -> str:
    return pick(rng, _MOBILE_PREFIXES) + f"{between(rng, 0, 10**8 - 1):08d}"
