"""Realistic random field values for synthetic documents.

Names (with pinyin for passports), resident ID numbers with a valid GB 11643 check
digit, unified social credit codes with a valid GB 32100 check character, company
names, addresses, dates, amounts and invoice numbers.  Every function takes a
``random.Random`` so that a seed reproduces the same documents.
"""

from __future__ import annotations

import datetime as dt
import random

SURNAMES = [
    ("王", "WANG"),
    ("李", "LI"),
    ("张", "ZHANG"),
    ("刘", "LIU"),
    ("陈", "CHEN"),
    ("杨", "YANG"),
    ("黄", "HUANG"),
    ("赵", "ZHAO"),
    ("吴", "WU"),
    ("周", "ZHOU"),
    ("徐", "XU"),
    ("孙", "SUN"),
    ("马", "MA"),
    ("朱", "ZHU"),
    ("胡", "HU"),
    ("郭", "GUO"),
    ("何", "HE"),
    ("高", "GAO"),
    ("林", "LIN"),
    ("罗", "LUO"),
    ("郑", "ZHENG"),
    ("梁", "LIANG"),
    ("谢", "XIE"),
    ("宋", "SONG"),
    ("唐", "TANG"),
    ("许", "XU"),
    ("韩", "HAN"),
    ("冯", "FENG"),
    ("邓", "DENG"),
    ("曹", "CAO"),
    ("彭", "PENG"),
    ("曾", "ZENG"),
    ("萧", "XIAO"),
    ("田", "TIAN"),
    ("董", "DONG"),
    ("潘", "PAN"),
    ("袁", "YUAN"),
    ("蔡", "CAI"),
    ("蒋", "JIANG"),
    ("余", "YU"),
    ("欧阳", "OUYANG"),
    ("司马", "SIMA"),
]
GIVEN_CHARS = [
    ("伟", "WEI"),
    ("芳", "FANG"),
    ("娜", "NA"),
    ("敏", "MIN"),
    ("静", "JING"),
    ("丽", "LI"),
    ("强", "QIANG"),
    ("磊", "LEI"),
    ("军", "JUN"),
    ("洋", "YANG"),
    ("勇", "YONG"),
    ("艳", "YAN"),
    ("杰", "JIE"),
    ("涛", "TAO"),
    ("明", "MING"),
    ("超", "CHAO"),
    ("秀", "XIU"),
    ("霞", "XIA"),
    ("平", "PING"),
    ("刚", "GANG"),
    ("桂", "GUI"),
    ("英", "YING"),
    ("华", "HUA"),
    ("建", "JIAN"),
    ("国", "GUO"),
    ("文", "WEN"),
    ("红", "HONG"),
    ("玉", "YU"),
    ("兰", "LAN"),
    ("志", "ZHI"),
    ("海", "HAI"),
    ("晓", "XIAO"),
    ("思", "SI"),
    ("雨", "YU"),
    ("欣", "XIN"),
    ("怡", "YI"),
    ("浩", "HAO"),
    ("宇", "YU"),
    ("轩", "XUAN"),
    ("子", "ZI"),
    ("涵", "HAN"),
    ("梓", "ZI"),
    ("博", "BO"),
    ("晨", "CHEN"),
    ("佳", "JIA"),
    ("嘉", "JIA"),
    ("俊", "JUN"),
    ("鹏", "PENG"),
    ("婷", "TING"),
    ("琳", "LIN"),
]
NATIONS = ["汉"] * 12 + ["回", "满", "蒙古", "壮", "苗", "土家", "藏", "维吾尔", "彝", "朝鲜"]

# 6-digit administrative codes with the matching address prefix and issuing police office.
AREAS = [
    ("110101", "北京市东城区", "北京市公安局东城分局"),
    ("110105", "北京市朝阳区", "北京市公安局朝阳分局"),
    ("310115", "上海市浦东新区", "上海市公安局浦东分局"),
    ("310104", "上海市徐汇区", "上海市公安局徐汇分局"),
    ("440305", "广东省深圳市南山区", "深圳市公安局南山分局"),
    ("440106", "广东省广州市天河区", "广州市公安局天河区分局"),
    ("330106", "浙江省杭州市西湖区", "杭州市公安局西湖区分局"),
    ("320102", "江苏省南京市玄武区", "南京市公安局玄武分局"),
    ("510107", "四川省成都市武侯区", "成都市公安局武侯区分局"),
    ("420106", "湖北省武汉市武昌区", "武汉市公安局武昌区分局"),
    ("370202", "山东省青岛市市南区", "青岛市公安局市南分局"),
    ("610113", "陕西省西安市雁塔区", "西安市公安局雁塔分局"),
    ("430104", "湖南省长沙市岳麓区", "长沙市公安局岳麓分局"),
    ("350203", "福建省厦门市思明区", "厦门市公安局思明分局"),
    ("120101", "天津市和平区", "天津市公安局和平分局"),
    ("500103", "重庆市渝中区", "重庆市公安局渝中区分局"),
]
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设大道",
    "和平街",
    "文化路",
    "长江路",
    "学府路",
    "新华街",
    "光明路",
    "青年路",
    "科技园路",
    "滨江大道",
    "南京路",
    "朝阳北路",
    "东风路",
]
COMMUNITIES = [
    "幸福小区",
    "阳光花园",
    "翠苑",
    "锦绣家园",
    "金色港湾",
    "绿城公寓",
    "华府",
    "康乐新村",
    "江南名苑",
    "碧水湾",
]
BRANDS = [
    "华信",
    "鼎盛",
    "博远",
    "宏达",
    "金桥",
    "星辰",
    "恒通",
    "瑞丰",
    "新源",
    "众创",
    "云帆",
    "智远",
    "天成",
    "利民",
    "盛世",
    "凯旋",
    "明德",
    "启航",
    "安泰",
    "同舟",
]
INDUSTRIES = [
    "科技",
    "信息技术",
    "贸易",
    "餐饮管理",
    "建筑工程",
    "文化传媒",
    "物流",
    "医疗器械",
    "电子商务",
    "教育咨询",
    "食品",
    "环保科技",
    "网络科技",
    "商贸",
]
UNIVERSITIES = [
    "北京大学",
    "清华大学",
    "复旦大学",
    "浙江大学",
    "南京大学",
    "武汉大学",
    "中山大学",
    "四川大学",
    "山东大学",
    "同济大学",
    "厦门大学",
    "湖南大学",
    "西安交通大学",
    "华中科技大学",
    "上海交通大学",
    "北京师范大学",
]
MAJORS = [
    "计算机科学与技术",
    "软件工程",
    "会计学",
    "法学",
    "汉语言文学",
    "工商管理",
    "机械工程",
    "土木工程",
    "英语",
    "临床医学",
    "金融学",
    "电子信息工程",
]
DEGREES = [
    ("学士", "工学学士"),
    ("学士", "管理学学士"),
    ("学士", "文学学士"),
    ("学士", "法学学士"),
    ("学士", "经济学学士"),
    ("硕士", "工学硕士"),
    ("硕士", "管理学硕士"),
    ("博士", "理学博士"),
]
JOBS = [
    "软件工程师",
    "会计",
    "销售经理",
    "行政专员",
    "项目经理",
    "人事主管",
    "技术总监",
    "客服专员",
    "设计师",
    "产品经理",
]
DEPTS = ["技术部", "财务部", "市场部", "行政部", "人力资源部", "销售部", "研发中心"]
GOODS = [
    ("办公用品", "批"),
    ("打印纸", "箱"),
    ("笔记本电脑", "台"),
    ("技术服务费", "项"),
    ("餐饮服务", "次"),
    ("住宿服务", "天"),
    ("咨询服务费", "项"),
    ("硒鼓", "个"),
    ("显示器", "台"),
    ("软件授权", "套"),
    ("会议服务", "次"),
    ("运输服务", "次"),
]
SHOP_ITEMS = [
    "矿泉水",
    "面包",
    "牛奶",
    "苹果",
    "鸡蛋",
    "大米5kg",
    "酱油",
    "洗衣液",
    "纸巾",
    "可乐",
    "方便面",
    "饼干",
    "香蕉",
    "食用油",
    "毛巾",
    "牙膏",
]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
MRZ_WEIGHTS = (7, 3, 1)


def person_name_parts(rng: random.Random) -> tuple[str, str, str, str]:
    """Return (surname, given name, surname pinyin, given-name pinyin)."""
    surname, surname_py = rng.choice(SURNAMES)
    given = [rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2, 2)))]
    return surname, "".join(c for c, _ in given), surname_py, "".join(p for _, p in given)


def person_name(rng: random.Random) -> tuple[str, str, str]:
    """Return (Chinese full name, surname pinyin, given-name pinyin)."""
    surname, given, surname_py, given_py = person_name_parts(rng)
    return surname + given, surname_py, given_py


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """Uniform random date between *start* and *end* inclusive."""
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def id_check_char(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[total % 11]


def id_number(rng: random.Random, birth: dt.date, sex: str, area_code: str) -> str:
    """A resident ID number (GB 11643) consistent with birth date and sex ("男"/"女")."""
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def credit_check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code(rng: random.Random, area_code: str) -> str:
    """A unified social credit code with valid organisation-code and GB 32100 checks."""
    body = "".join(rng.choice("0123456789" * 3 + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS))
    c9 = 11 - total % 11
    org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    first17 = "9" + rng.choice("1112") + area_code + org
    return first17 + credit_check_char(first17)


def mrz_check(data: str) -> str:
    """ICAO 9303 check digit of an MRZ field."""

    def value(ch: str) -> int:
        if ch.isdigit():
            return int(ch)
        if ch.isalpha():
            return ord(ch) - 55
        return 0

    return str(sum(value(c) * MRZ_WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def company_name(rng: random.Random, city: str | None = None) -> str:
    """A plausible Chinese company name, e.g. 杭州华信网络科技有限公司."""
    city = city or rng.choice(["北京", "上海", "深圳", "广州", "杭州", "南京", "成都", "武汉"])
    suffix = rng.choice(["有限公司", "有限公司", "有限责任公司", "股份有限公司"])
    return f"{city}{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}{suffix}"


def address(rng: random.Random, prefix: str | None = None) -> str:
    """A street address with building and room numbers."""
    prefix = prefix or rng.choice(AREAS)[1]
    return (
        f"{prefix}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        f"{rng.choice(COMMUNITIES)}{rng.randint(1, 30)}栋{rng.randint(1, 30)}0{rng.randint(1, 6)}室"
    )


def amount(rng: random.Random, low: float, high: float) -> str:
    """An amount as a string with two decimals, e.g. "3500.00"."""
    return f"{rng.uniform(low, high):.2f}"


def round_amount(rng: random.Random, low: int, high: int, step: int = 100) -> str:
    """A round amount (multiple of *step*) with two decimals."""
    return f"{rng.randrange(low, high, step):.2f}"


DIGITS_UPPER = "零壹贰叁肆伍陆柒捌玖"


def amount_in_words(value: str) -> str:
    """Chinese financial capital numerals for an amount (价税合计大写), e.g. 叁仟伍佰元整."""
    yuan, cents = value.split(".")
    units = ["", "拾", "佰", "仟", "万", "拾", "佰", "仟", "亿"]
    out = ""
    n = len(yuan)
    zero = False
    for i, d in enumerate(yuan):
        pos = n - 1 - i
        if d == "0":
            zero = True
            if pos == 4:
                out += "万"
            continue
        if zero and out:
            out += "零"
        zero = False
        out += DIGITS_UPPER[int(d)] + units[pos]
    out = (out or "零") + "元"
    if cents == "00":
        return out + "整"
    if cents[0] != "0":
        out += DIGITS_UPPER[int(cents[0])] + "角"
    else:
        out += "零"
    if cents[1] != "0":
        out += DIGITS_UPPER[int(cents[1])] + "分"
    return out


def digits(rng: random.Random, count: int) -> str:
    """A string of *count* random digits (first digit non-zero)."""
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(count - 1))
