"""Layouts for A4-style paper documents: business licence, lease, employment and degree
certificates.

Each ``render_*`` function takes (rng, fonts, variant) and returns (clean image, fields).
The last variant of each layout is reserved for the held-out set.
"""

from __future__ import annotations

import datetime as dt
import random

from ml.synthetic import values as V
from ml.synthetic.canvas import Page


def _a4(rng: random.Random, fonts: list[str], tint: bool = False) -> tuple[Page, float]:
    scale = rng.uniform(0.85, 1.05)
    bg = (
        (255, 255, 255)
        if not tint
        else (rng.randint(248, 255), rng.randint(244, 252), rng.randint(232, 246))
    )
    return Page(int(1240 * scale), int(1754 * scale), rng, fonts, background=bg), scale


def render_business_license(rng: random.Random, fonts: list[str], variant: int):
    """营业执照 (副本) with 统一社会信用代码, 名称, 类型, 法定代表人, 成立日期 and a red stamp."""
    page, scale = _a4(rng, fonts, tint=True)
    w, h = page.width, page.height
    s = int(30 * scale)
    city_code, city_addr, _ = rng.choice(V.AREAS)
    code = V.credit_code(rng, city_code)
    company = V.company_name(rng, city_addr[:2])
    legal, _, _ = V.person_name(rng)
    est = V.random_date(rng, dt.date(1998, 1, 1), dt.date(2025, 6, 30))
    capital = rng.choice([10, 50, 100, 200, 500, 1000, 3000])
    border = int(w * 0.04)
    page.draw.rectangle(
        [border, border, w - border, h - border],
        outline=(180, 140, 60),
        width=max(6, int(12 * scale)),
    )
    page.title(
        int(h * 0.07),
        "营业执照",
        int(s * 3.0),
        spaced=variant != 1,
        fill=(200, 30, 30) if variant == 2 else (25, 25, 30),
    )
    page.title(int(h * 0.07 + s * 3.8), "（副    本）" if variant != 2 else "（副本）", s)
    code_label = {0: "统一社会信用代码", 1: "统一社会信用代码", 2: "统一社会信用代码："}[variant]
    page.text(w * 0.1, h * 0.2, code_label, int(s * 0.9))
    page.text(w * 0.1, h * 0.2 + s * 1.4, code, int(s * 1.1))
    if variant != 2:
        page.draw.rectangle(
            [w * 0.72, h * 0.17, w * 0.86, h * 0.17 + w * 0.14], outline=(20, 20, 20), width=3
        )
        for _ in range(60):
            x, y = rng.uniform(w * 0.73, w * 0.85), rng.uniform(h * 0.175, h * 0.17 + w * 0.13)
            page.draw.rectangle([x, y, x + 8, y + 8], fill=(20, 20, 20))
    rows = [
        ("名        称" if variant == 0 else "名称", company),
        (
            "类        型" if variant == 0 else "类型",
            rng.choice(["有限责任公司(自然人投资或控股)", "股份有限公司", "有限责任公司"]),
        ),
        ("法定代表人", legal),
        (
            "经营范围",
            "技术开发、技术咨询、技术服务；销售电子产品、计算机软硬件；"
            + rng.choice(["货物进出口。", "企业管理咨询。", "会议服务。"]),
        ),
        ("注册资本", f"{capital}万元人民币" if variant != 1 else f"人民币{capital}万元"),
        ("成立日期", f"{est:%Y年%m月%d日}"),
        ("营业期限", f"{est:%Y年%m月%d日}至长期"),
        ("住        所" if variant == 0 else "住所", V.address(rng, city_addr)),
    ]
    y = h * 0.33
    for label, value in rows:
        page.text(w * 0.1, y, label, s)
        y = (
            page.paragraph(
                w * 0.1 + s * 6, y, w * 0.72 - s * 6, value, s, spacing=1.5, indent=False
            )
            + s * 0.6
        )
    reg = V.random_date(rng, est, dt.date(2025, 12, 31))
    page.text(w * 0.55, h * 0.84, "登记机关", s)
    page.text(w * 0.55, h * 0.88, f"{reg.year}年{reg.month}月{reg.day}日", s)
    page.stamp(w * 0.68, h * 0.85, s * 3.6, city_addr[:3] + "市场监督管理局")
    fields = {
        "credit_code": code,
        "company_name": company,
        "legal_rep": legal,
        "established": est.isoformat(),
    }
    return page.image, fields


def _sign_off(page: Page, x: float, y: float, s: int, org: str, when: dt.date) -> None:
    """Organisation name, date and the organisation's round stamp over them."""
    page.text(x, y, org, s)
    page.text(x, y + s * 1.8, f"{when.year}年{when.month}月{when.day}日", s)
    # Seals sit over the date and the end of the name, leaving most of the name legible.
    page.stamp(x + s * page.rng.uniform(4.5, 7.5), y + s * page.rng.uniform(1.6, 2.4), s * 3.2, org)


def render_lease_contract(rng: random.Random, fonts: list[str], variant: int):
    """房屋租赁合同: parties (出租方/承租方), address, monthly rent and clauses."""
    page, scale = _a4(rng, fonts)
    w, h = page.width, page.height
    s = int(27 * scale)
    lessor, _, _ = V.person_name(rng)
    lessee, _, _ = V.person_name(rng)
    addr = V.address(rng)
    rent = V.round_amount(rng, 1200, 12000, 100)
    start = V.random_date(rng, dt.date(2020, 1, 1), dt.date(2026, 6, 1))
    page.title(int(h * 0.05), "房屋租赁合同", int(s * 1.8), spaced=variant == 0)
    labels = {
        0: ("出租方（甲方）：", "承租方（乙方）：", "房屋地址：", "月租金"),
        1: ("出租人：", "承租人：", "房屋坐落：", "每月租金"),
        2: ("甲方（出租方）：", "乙方（承租方）：", "租赁房屋位于", "租金为每月"),
    }[variant]
    x, y = w * 0.1, h * 0.13
    page.text(x, y, labels[0] + lessor, s)
    page.text(x, y + s * 1.8, labels[1] + lessee, s)
    y += s * 4.5
    text_w = w * 0.8
    y = page.paragraph(
        x,
        y,
        text_w,
        "根据《中华人民共和国民法典》及有关规定，为明确甲乙双方的权利义务关系，"
        "经双方协商一致，签订本合同。",
        s,
    )
    y = page.paragraph(
        x, y, text_w, f"第一条 {labels[2]}{addr}，建筑面积{rng.randint(30, 160)}平方米。", s
    )
    years = rng.choice((1, 2, 3))
    end = (
        start.replace(year=start.year + years) - dt.timedelta(days=1)
        if not (start.month == 2 and start.day == 29)
        else dt.date(start.year + years, 2, 28)
    )
    y = page.paragraph(
        x, y, text_w, f"第二条 租赁期限自{start:%Y年%m月%d日}起至{end:%Y年%m月%d日}止。", s
    )
    rent_text = (
        f"第三条 {labels[3]}人民币{rent}元（大写：{V.amount_in_words(rent)}），"
        f"{rng.choice(['按月', '按季度', '每半年'])}支付，"
        f"押金为{rng.choice(['一', '两'])}个月租金。"
    )
    y = page.paragraph(x, y, text_w, rent_text, s)
    clauses = [
        "第四条 租赁期间，水、电、燃气、物业等费用由乙方承担。",
        (
            "第五条 乙方不得擅自转租、改变房屋用途或结构，"
            "因乙方使用不当造成损坏的，由乙方负责修复或赔偿。"
        ),
        "第六条 甲方应保证房屋及设施安全，负责房屋主体结构的维修。",
        "第七条 任何一方违约，应向对方支付相当于一个月租金的违约金。",
        "第八条 本合同一式两份，甲乙双方各执一份，自双方签字之日起生效。",
    ]
    for clause in clauses[: rng.randint(3, 5)]:
        y = page.paragraph(x, y, text_w, clause, s)
    y += s * 2
    page.text(x, y, f"甲方（签字）：{lessor}", s)
    page.text(w * 0.55, y, f"乙方（签字）：{lessee}", s)
    page.text(x, y + s * 2, f"日期：{start:%Y年%m月%d日}", s)
    fields = {"lessor": lessor, "lessee": lessee, "address": addr, "monthly_rent": rent}
    return page.image, fields


def render_employment_certificate(rng: random.Random, fonts: list[str], variant: int):
    """在职证明: an employer letter confirming that a person works there, with a stamp."""
    page, scale = _a4(rng, fonts)
    w, h = page.width, page.height
    s = int(30 * scale)
    name, _, _ = V.person_name(rng)
    sex = rng.choice(("男", "女"))
    birth = V.random_date(rng, dt.date(1965, 1, 1), dt.date(2003, 12, 31))
    idn = V.id_number(rng, birth, sex, rng.choice(V.AREAS)[0])
    employer = V.company_name(rng)
    since = V.random_date(rng, dt.date(2008, 1, 1), dt.date(2025, 6, 1))
    title = {0: "在职证明", 1: "在 职 证 明", 2: "工作证明"}[variant]
    if variant == 0 and rng.random() < 0.6:  # company letterhead
        page.title(int(h * 0.04), employer, int(s * 1.1))
        page.draw.line(
            [(w * 0.08, h * 0.04 + s * 1.8), (w * 0.92, h * 0.04 + s * 1.8)],
            fill=(25, 25, 30),
            width=3,
        )
    page.title(int(h * 0.1), title, int(s * 1.8))
    x, y = w * 0.12, h * 0.22
    if variant == 1:
        page.text(x, y, "致：相关单位", s)
        y += s * 2.5
    body = {
        0: (
            f"兹证明{name}（身份证号码：{idn}），{sex}，"
            f"自{since:%Y年%m月}起在我单位{rng.choice(V.DEPTS)}工作，"
            f"现任{rng.choice(V.JOBS)}职务，系我单位正式在职员工。"
        ),
        1: (
            f"兹有{name}同志，身份证号：{idn}，于{since:%Y年%m月%d日}入职{employer}，"
            f"目前在{rng.choice(V.DEPTS)}担任{rng.choice(V.JOBS)}，为我公司在职员工。"
        ),
        2: (
            f"{name}，{sex}，身份证号码{idn}，"
            f"自{since:%Y年%m月}至今在本公司任职，岗位为{rng.choice(V.JOBS)}，"
            f"月收入约{rng.randint(5, 30)}000元。"
        ),
    }[variant]
    y = page.paragraph(x, y, w * 0.76, body, s, spacing=1.9)
    y = page.paragraph(
        x,
        y,
        w * 0.76,
        "特此证明。" if variant != 2 else "本证明仅用于办理相关手续，特此证明。",
        s,
        spacing=1.9,
    )
    if rng.random() < 0.5:
        y = page.paragraph(
            x,
            y + s,
            w * 0.76,
            f"联系人：{V.person_name(rng)[0]}  联系电话：1{V.digits(rng, 10)}",
            s,
            spacing=1.9,
            indent=False,
        )
    when = V.random_date(rng, since, dt.date(2026, 6, 1))
    _sign_off(page, w * 0.52, max(y + s * 3, h * 0.62), s, employer, when)
    return page.image, {"name": name, "employer": employer}


def render_degree_certificate(rng: random.Random, fonts: list[str], variant: int):
    """学位证书: degree granted by a university, with certificate number and a stamp."""
    horizontal = variant != 1
    scale = rng.uniform(0.9, 1.05)
    w, h = (
        (int(1600 * scale), int(1130 * scale))
        if horizontal
        else (int(1240 * scale), int(1700 * scale))
    )
    page = Page(
        w,
        h,
        rng,
        fonts,
        background=(rng.randint(248, 255), rng.randint(245, 252), rng.randint(235, 248)),
    )
    s = int(32 * scale)
    name, _, _ = V.person_name(rng)
    sex = rng.choice(("男", "女"))
    birth = V.random_date(rng, dt.date(1970, 1, 1), dt.date(2004, 12, 31))
    uni = rng.choice(V.UNIVERSITIES)
    major = rng.choice(V.MAJORS)
    level, degree = rng.choice(V.DEGREES)
    grad = V.random_date(rng, dt.date(2000, 6, 1), dt.date(2026, 7, 1))
    frame = int(min(w, h) * 0.04)
    page.draw.rectangle(
        [frame, frame, w - frame, h - frame], outline=(160, 30, 30), width=int(10 * scale)
    )
    page.title(
        int(h * 0.08),
        "学士学位证书" if level == "学士" and variant == 2 else "学位证书",
        int(s * 2.0),
        spaced=variant == 0,
        fill=(150, 20, 20),
    )
    x = w * (0.14 if horizontal else 0.12)
    y = h * 0.25
    text = {
        0: (
            f"{name}，{sex}，{birth.year}年{birth.month}月{birth.day}日生。"
            f"在{uni}{major}专业完成了{level}学位"
            f"的学习，成绩合格。根据《中华人民共和国学位条例》的规定，授予{degree}学位。"
        ),
        1: (
            f"{name}，{sex}，{birth:%Y年%m月%d日}生，在我校{major}专业完成了{level}学位课程学习，"
            f"经审核符合《中华人民共和国学位条例》的规定，授予{degree}学位。"
        ),
        2: (
            f"{name}，{sex}，{birth.year}年{birth.month}月生，于{uni}{major}专业修业期满，"
            f"依照《中华人民共和国学位条例》，经本校学位评定委员会审定，授予{degree}学位。"
        ),
    }[variant]
    y = page.paragraph(x, y, w * 0.72, text, s, spacing=2.0)
    page.text(w * 0.55, y + s * 1.5, uni, s)
    page.text(w * 0.55, y + s * 3.2, "学位评定委员会主席", s)
    page.text(w * 0.55, y + s * 5.0, f"{grad.year}年{grad.month}月{grad.day}日", s)
    page.text(x, h - frame - s * 3, f"证书编号：{V.digits(rng, 16)}", int(s * 0.8))
    page.stamp(w * 0.62, y + s * 3.0, s * 3.3, uni)
    if variant == 1 or rng.random() < 0.5:
        page.photo_box(x, h * 0.1, s * 3.5, s * 4.6)
    return page.image, {"name": name, "institution": uni}
