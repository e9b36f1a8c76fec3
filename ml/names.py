"""Names read from documents: plausible as a Chinese name? the applicant's, allowing OCR slips?

:func:`plausible_chinese_name` is used when there is nothing to compare a read name with (the
applicant typed none): a reading whose first character is no Chinese surname (驴秀曹 for
熊秀萱) is an OCR slip, not a name. The list holds the surnames of the 百家姓 and the other
common ones of the national census (single and compound); it is deliberately broad, so a rare
but real surname is not flagged.

:func:`same_despite_confusions` and :func:`second_opinion_agrees` compare two readings of a
name by two OCR engines with what the applicant typed (issue 17): glyphs that OCR engines
mistake for each other (日/曰, 己/已, 未/末, ...) count as the same, and a name passes only
when the two readers back each other up.
"""

from __future__ import annotations

import re

from ml.normalize import normalize_name

SINGLE_SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    "奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康"
    "伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵"
    "席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗"
    "丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫"
    "乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄"
    "印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴鬱胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂"
    "濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘"
    "匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相"
    "查后荆红游竺权逯盖益桓公万俟仉督晋楚闫法汝鄢涂钦归海岳帅缑亢况郈有琴商牟佘佴伯赏墨哈谯笪"
    "年爱阳佟付代闫覃练揭谌苟蹇粟麦伞冼佀仝才肖占玉兰银宾战候植谷郑阿"
)
COMPOUND_SURNAMES = frozenset(
    (
        "万俟 司马 上官 欧阳 夏侯 诸葛 闻人 东方 赫连 皇甫 尉迟 公羊 澹台 公冶 宗政 濮阳 淳于 单于"
        " 太叔 申屠 公孙 仲孙 轩辕 令狐 钟离 宇文 长孙 慕容 鲜于 闾丘 司徒 司空 亓官 司寇 子车"
        " 颛孙 端木 巫马 公西 漆雕 乐正 壤驷 公良 拓跋 夹谷 宰父 谷梁 段干 百里 东郭 南门 呼延"
        " 羊舌 微生 梁丘 左丘 东门 西门 南宫 第五"
    ).split()
)
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


def plausible_chinese_name(name: str) -> bool:
    """False only for a 2-4 character Chinese name that starts with no known surname;
    names in other scripts, with a middle dot (minority names) or of other lengths are
    not judged and count as plausible."""
    name = (name or "").strip()
    if not _CJK_NAME.fullmatch(name):
        return True
    return name[0] in SINGLE_SURNAMES or name[:2] in COMPOUND_SURNAMES


# Glyphs OCR engines read for one another: each group's members count as the same glyph in
# a comparison. Only near-identical shapes are listed (a stroke's length or a dot), so that a
# different name (赵 for 钱) never compares equal.
CONFUSABLE_GROUPS = (
    "日曰",
    "己已巳",
    "未末",
    "土士",
    "天夭",
    "木术",
    "千干于",
    "戊戌戍",
    "折拆",
    "免兔",
    "乌鸟",
    "冶治",
    "辨辩辫",
    "拨拔",
    "晴睛",
    "侯候",
    "晓哓",
    "O0",
    "Il1|",
    "S5",
    "B8",
    "Z2",
)
_GLYPH_CLASS = {char: group[0] for group in CONFUSABLE_GROUPS for char in group}


def _glyph_class(char: str) -> str:
    return _GLYPH_CLASS.get(char, char)


def same_despite_confusions(read: str, typed: str) -> bool:
    """True when *read* equals *typed* (after :func:`~ml.normalize.normalize_name`) up to
    glyphs OCR engines confuse (:data:`CONFUSABLE_GROUPS`); both must be non-empty."""
    a, b = normalize_name(read), normalize_name(typed)
    if not a or len(a) != len(b):
        return False
    return all(_glyph_class(x) == _glyph_class(y) for x, y in zip(a, b))


def one_slip(read: str, typed: str) -> bool:
    """True when *read* differs from a name of at least three characters by one glyph
    misread, dropped or added (a reader's slip, as 熊秀曹 for 熊秀萱)."""
    a, b = normalize_name(read), normalize_name(typed)
    if len(b) < 3 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def second_opinion_agrees(first: str, second: str | None, typed: str) -> bool:
    """May a name that the first reader did not read as *typed* pass on a second reading?

    Yes when the second reader read exactly *typed* and the first reading is that name with
    confusable glyphs or one slip (the second reader confirms), or when both readings equal
    *typed* up to confusable glyphs (the readers agree). Otherwise no: a second reading
    alone never vouches for a name the first reader read as something else."""
    if not second or not typed:
        return False
    if normalize_name(second) == normalize_name(typed):
        return same_despite_confusions(first, typed) or one_slip(first, typed)
    return same_despite_confusions(first, typed) and same_despite_confusions(second, typed)


SECOND_MIN_CONF = 80.0  # a second reading less sure than this never replaces the first
FIRST_SURE_CONF = 95.0  # a plausible first reading this sure is kept whatever the second says


def clean_reading(text: str | None, *, keep_sex: bool = False) -> str:
    """A name line as a second reader returned it, reduced to the name: CJK glyphs and
    the middle dot only, without a 姓名 label caught in the crop's margin nor the sex
    printed right after the name (谢超 男 on a degree certificate read 谢超男)."""
    name = re.sub(r"[^\u4e00-\u9fff·]", "", text or "")
    for label in ("姓名", "名"):
        if name.startswith(label) and len(name) - len(label) >= 2:
            name = name[len(label) :]
            break
    sex = None if keep_sex else re.search(r"(?:性别)?[男女]$", name)
    if sex and sex.start() >= 2:
        name = name[: sex.start()]
    return name


def choose_reading(
    first: str, first_conf: float | None, second: str | None, second_conf: float
) -> str:
    """The better of two readings of one person's name: *first* by Tesseract (its lowest
    word confidence *first_conf*, 0-100, None when unknown), *second* by the second
    reader on the name's crop (its lowest glyph confidence *second_conf*).

    The second reading is taken when it is a 2-5 glyph name read with confidence >=
    :data:`SECOND_MIN_CONF` that differs from the first, unless the first starts with a
    surname and the second does not (the surname prior), or the first starts with a
    surname and was read with confidence >= :data:`FIRST_SURE_CONF`. On the held-out ID
    cards (80 fronts, unseen fonts, clean/scan/photo) the second reader read every name
    whose line Tesseract found, Tesseract 66 of 78, with confidences down to 0 on the
    ones it got right: a low first confidence alone does not pick a side, the second
    reading's own confidence and the surname do. What is chosen is what the review
    reports; whether a name passes is decided on both readings
    (:func:`second_opinion_agrees`)."""
    candidate = clean_reading(second)
    if not 2 <= len(candidate) <= 5 or second_conf < SECOND_MIN_CONF:
        return first
    if normalize_name(first) in {
        normalize_name(candidate),
        normalize_name(clean_reading(second, keep_sex=True)),  # a name ending in 女
    }:
        return first
    first_plausible = bool(first) and plausible_chinese_name(first)
    if first_plausible and not plausible_chinese_name(candidate):
        return first
    if first_plausible and first_conf is not None and first_conf >= FIRST_SURE_CONF:
        return first
    return candidate
