"""Is a name read from a document a plausible Chinese person's name?

Used when there is nothing to compare a read name with (the applicant typed none): a reading
whose first character is no Chinese surname (驴秀曹 for 熊秀萱) is an OCR slip, not a name.
The list holds the surnames of the 百家姓 and the other common ones of the national census
(single and compound); it is deliberately broad, so a rare but real surname is not flagged.
"""

from __future__ import annotations

import re

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
