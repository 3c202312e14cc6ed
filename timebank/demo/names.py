"""Plausible Chinese names for generated communities, grids and members."""

import random

COMMUNITY_HEADS = list(
    "金沙龙珠凤海滨港湾蕉黄塘新东西南北中大明华兴安和乐福康庆阳"
    "榄横冲岗沥潭洲围涌岭桥湖林泉石莲鹤鸣逸景怡瑞"
)
COMMUNITY_TAILS = ["社区", "社区", "社区", "村"]
TAIL_EN = {"社区": "Community", "村": "Village"}
#: Hanyu pinyin of the heads, read as in Guangdong place names (涌 and 冲 are "chong").
PINYIN = {
    "金": "jin",
    "沙": "sha",
    "龙": "long",
    "珠": "zhu",
    "凤": "feng",
    "海": "hai",
    "滨": "bin",
    "港": "gang",
    "湾": "wan",
    "蕉": "jiao",
    "黄": "huang",
    "塘": "tang",
    "新": "xin",
    "东": "dong",
    "西": "xi",
    "南": "nan",
    "北": "bei",
    "中": "zhong",
    "大": "da",
    "明": "ming",
    "华": "hua",
    "兴": "xing",
    "安": "an",
    "和": "he",
    "乐": "le",
    "福": "fu",
    "康": "kang",
    "庆": "qing",
    "阳": "yang",
    "榄": "lan",
    "横": "heng",
    "冲": "chong",
    "岗": "gang",
    "沥": "li",
    "潭": "tan",
    "洲": "zhou",
    "围": "wei",
    "涌": "chong",
    "岭": "ling",
    "桥": "qiao",
    "湖": "hu",
    "林": "lin",
    "泉": "quan",
    "石": "shi",
    "莲": "lian",
    "鹤": "he",
    "鸣": "ming",
    "逸": "yi",
    "景": "jing",
    "怡": "yi",
    "瑞": "rui",
}
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
    "潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建文辉力波宁"
    "婷雪琳晨浩宇轩子欣怡佳嘉俊峰斌鑫亮健冰晓燕云海鹏飞志国荣春梅"
)
WORKPLACES = [
    "南沙区人民医院",
    "南沙区政务服务中心",
    "广州港南沙港务公司",
    "南沙区第一中学",
    "黄阁镇卫生院",
    "南沙供电局",
    "中国移动南沙分公司",
    "南沙区税务局",
    "南沙公安分局",
    "广汽丰田",
    "南沙区教育局",
    "南沙区交通局",
    "珠江街道办事处",
    "南沙区市场监管局",
    "中科院南沙分院",
    "南沙区图书馆",
]


def community_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.sample(COMMUNITY_HEADS, 2)) + rng.choice(COMMUNITY_TAILS)
        if name not in used:
            used.add(name)
            return name


def community_name_en(name: str) -> str:
    """The English (pinyin) name of a generated community: 金沙社区 → "Jinsha Community"."""
    head, tail = name[:2], name[2:]
    syllables = [PINYIN[c] for c in head]
    # A vowel-initial second syllable takes an apostrophe (Xi'an, not Xian).
    joined = syllables[0] + ("'" if syllables[1][0] in "aeo" else "") + syllables[1]
    return f"{joined.capitalize()} {TAIL_EN[tail]}"


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given
