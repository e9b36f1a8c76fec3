"""Layouts for identity documents: ID card (both sides), passport data page, household register.

Each ``render_*`` function takes (rng, fonts, variant) and returns (clean image, fields).
Variants change label wording, positions and sizes; the last variant of each layout
is reserved for the held-out set.
"""

from __future__ import annotations

import datetime as dt
import random

from ml.synthetic import values as V
from ml.synthetic.canvas import Page

LABEL_BLUE = (40, 90, 160)


def _person(rng: random.Random, min_age: int = 18, max_age: int = 70):
    surname, given, surname_py, given_py = V.person_name_parts(rng)
    name = surname + given
    sex = rng.choice(("男", "女"))
    today = dt.date(2026, 1, 1)
    birth = V.random_date(
        rng, today.replace(year=today.year - max_age), today.replace(year=today.year - min_age)
    )
    area = rng.choice(V.AREAS)
    return {
        "name": name,
        "surname": surname,
        "given": given,
        "surname_py": surname_py,
        "given_py": given_py,
        "sex": sex,
        "birth": birth,
        "area": area,
        "id_number": V.id_number(rng, birth, sex, area[0]),
        "nation": rng.choice(V.NATIONS),
    }


def render_id_card_front(rng: random.Random, fonts: list[str], variant: int):
    """居民身份证 portrait side: 姓名/性别/民族/出生/住址/公民身份号码 and a photo."""
    p = _person(rng)
    scale = rng.uniform(0.95, 1.25) * (1.15 if variant == 2 else 1.0)
    w, h = int(1000 * scale), int(630 * scale)
    page = Page(
        w,
        h,
        rng,
        fonts,
        background=(rng.randint(235, 250), rng.randint(238, 250), rng.randint(240, 252)),
    )
    page.pattern_background()
    s = int(30 * scale)
    label_fill = LABEL_BLUE if variant != 1 else (60, 60, 60)
    spaced = variant in (0, 2)
    x0, y = int(w * rng.uniform(0.06, 0.09)), int(h * rng.uniform(0.09, 0.13))
    gap = int(s * 3.2)
    lab = (lambda t: " ".join(t)) if spaced else (lambda t: t)
    page.label_value(x0, y, lab("姓名"), p["name"], s, gap=gap, label_fill=label_fill)
    y += int(s * 2.0)
    page.label_value(x0, y, lab("性别"), p["sex"], s, gap=gap, label_fill=label_fill)
    page.label_value(
        x0 + int(s * 6), y, lab("民族"), p["nation"], s, gap=gap, label_fill=label_fill
    )
    y += int(s * 2.0)
    b = p["birth"]
    page.label_value(
        x0,
        y,
        lab("出生"),
        f"{b.year}  年  {b.month}  月  {b.day}  日",
        s,
        gap=gap,
        label_fill=label_fill,
    )
    y += int(s * 2.0)
    page.text(x0, y, lab("住址"), s, fill=label_fill)
    addr = V.address(rng, p["area"][1])
    page.paragraph(x0 + gap, y, w * 0.52 - gap, addr, s, spacing=1.45, indent=False)
    id_y = int(h * (0.78 if variant != 2 else 0.74))
    if variant == 2:
        page.text(x0, id_y - int(s * 1.6), "公民身份号码", s, fill=label_fill)
        page.text(x0, id_y, p["id_number"], int(s * 1.25))
    else:
        page.label_value(
            x0, id_y, "公民身份号码", p["id_number"], s, gap=int(s * 7.5), label_fill=label_fill
        )
    page.photo_box(w * 0.64, h * 0.1, w * 0.3, h * 0.58)
    fields = {
        "name": p["name"],
        "sex": p["sex"],
        "birth_date": b.isoformat(),
        "id_number": p["id_number"],
    }
    return page.image, fields


def render_id_card_back(rng: random.Random, fonts: list[str], variant: int):
    """居民身份证 national-emblem side: 中华人民共和国 / 居民身份证 / 签发机关 / 有效期限."""
    scale = rng.uniform(0.95, 1.25)
    w, h = int(1000 * scale), int(630 * scale)
    page = Page(
        w,
        h,
        rng,
        fonts,
        background=(rng.randint(232, 250), rng.randint(236, 250), rng.randint(240, 252)),
    )
    page.pattern_background()
    s = int(30 * scale)
    area = rng.choice(V.AREAS)
    start = V.random_date(rng, dt.date(2008, 1, 1), dt.date(2025, 12, 31))
    years = rng.choice((10, 20, 20))
    until = (
        start.replace(year=start.year + years)
        if not (start.month == 2 and start.day == 29)
        else dt.date(start.year + years, 3, 1)
    )
    emblem_x = w * (0.08 if variant != 2 else 0.78)
    page.draw.ellipse(
        [emblem_x, h * 0.08, emblem_x + w * 0.14, h * 0.08 + w * 0.14],
        outline=(200, 40, 40),
        width=6,
    )
    page.stamp(emblem_x + w * 0.07, h * 0.08 + w * 0.07, w * 0.05, "")
    tx = w * (0.3 if variant != 2 else 0.12)
    page.text(tx, h * 0.12, "中华人民共和国", int(s * 1.5), font=page.title_font_path)
    page.text(
        tx,
        h * 0.27,
        "居民身份证" if variant != 1 else "居 民 身 份 证",
        int(s * 2.0),
        font=page.title_font_path,
    )
    sep = {0: ".", 1: ".", 2: "-"}[variant]
    valid = (
        f"{start:%Y.%m.%d}-{until:%Y.%m.%d}"
        if variant != 2
        else f"{start:%Y{sep}%m{sep}%d} 至 {until:%Y{sep}%m{sep}%d}"
    )
    y = h * 0.62
    lab = (lambda t: " ".join(t)) if variant != 1 else (lambda t: t)
    page.label_value(
        w * 0.18, y, lab("签发机关"), area[2], s, gap=int(s * 6), label_fill=LABEL_BLUE
    )
    page.label_value(
        w * 0.18, y + s * 2.0, lab("有效期限"), valid, s, gap=int(s * 6), label_fill=LABEL_BLUE
    )
    return page.image, {"valid_from": start.isoformat(), "valid_until": until.isoformat()}


def render_passport(rng: random.Random, fonts: list[str], variant: int):
    """Passport data page (护照 / PASSPORT) with the two-line machine-readable zone."""
    p = _person(rng, 1, 80)
    scale = rng.uniform(1.0, 1.2)
    w, h = int(1250 * scale), int(880 * scale)
    page = Page(
        w,
        h,
        rng,
        fonts,
        background=(rng.randint(230, 248), rng.randint(228, 245), rng.randint(235, 250)),
    )
    page.pattern_background(18)
    s = int(24 * scale)
    number = "E" + V.digits(rng, 8) if rng.random() < 0.7 else "EA" + V.digits(rng, 7)
    issue = V.random_date(rng, dt.date(2016, 1, 1), dt.date(2025, 12, 1))
    expiry = (
        issue.replace(year=issue.year + 10)
        if not (issue.month == 2 and issue.day == 29)
        else dt.date(issue.year + 10, 3, 1)
    )
    page.title(
        int(h * 0.03),
        "中华人民共和国  护照" if variant != 2 else "中华人民共和国护照 PASSPORT",
        int(s * 1.4),
    )
    if variant != 2:
        page.title(int(h * 0.03 + s * 1.9), "PEOPLE'S REPUBLIC OF CHINA    PASSPORT", int(s * 1.0))
    px = w * (0.05 if variant != 1 else 0.7)
    page.photo_box(px, h * 0.18, w * 0.24, h * 0.46)
    x = w * (0.33 if variant != 1 else 0.05)
    y = h * 0.17
    sex_en = "M" if p["sex"] == "男" else "F"
    rows = [
        ("类型/Type", "P", "国家码/Country Code", "CHN", "护照号/Passport No.", number),
        ("姓/Surname", f"{p['surname']}/{p['surname_py']}", None, None, None, None),
        ("名/Given names", f"{p['given']}/{p['given_py']}", None, None, None, None),
        (
            "性别/Sex",
            f"{p['sex']}/{sex_en}",
            "出生地点/Place of birth",
            p["area"][1][:2] + "/" + "CHINA",
            None,
            None,
        ),
        ("出生日期/Date of birth", f"{p['birth']:%d %b %Y}".upper(), None, None, None, None),
        (
            "签发日期/Date of issue",
            f"{issue:%d %b %Y}".upper(),
            "签发地点/Place of issue",
            p["area"][1][:2],
            None,
            None,
        ),
        (
            "有效期至/Date of expiry",
            f"{expiry:%d %b %Y}".upper(),
            "签发机关/Authority",
            "国家移民管理局",
            None,
            None,
        ),
    ]
    for row in rows:
        col = x
        for i in range(0, 6, 2):
            if row[i] is None:
                continue
            page.text(col, y, row[i], int(s * 0.7), fill=(70, 70, 90))
            page.text(col, y + s * 0.95, row[i + 1], s)
            col += w * 0.22
        y += s * 2.45
    surname, given = p["surname_py"], p["given_py"]
    line1 = f"P<CHN{surname}<<{given}".ljust(44, "<")[:44]
    birth = f"{p['birth']:%y%m%d}"
    exp = f"{expiry:%y%m%d}"
    num9 = number.ljust(9, "<")
    personal = "<" * 14
    body = (
        num9
        + V.mrz_check(num9)
        + "CHN"
        + birth
        + V.mrz_check(birth)
        + sex_en
        + exp
        + V.mrz_check(exp)
        + personal
        + "<"
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    line2 = body + V.mrz_check(composite)
    mrz_size = int(w / 44 / 0.62)
    page.mono(w * 0.02, h - mrz_size * 3.1, line1, mrz_size)
    page.mono(w * 0.02, h - mrz_size * 1.6, line2, mrz_size)
    return page.image, {"passport_number": number, "surname": surname, "given_names": given}


def render_household_register(rng: random.Random, fonts: list[str], variant: int):
    """居民户口簿 常住人口登记卡: a ruled table with personal data."""
    p = _person(rng, 0, 90)
    scale = rng.uniform(0.9, 1.1)
    w, h = int(1240 * scale), int(1650 * scale)
    page = Page(
        w,
        h,
        rng,
        fonts,
        background=(rng.randint(245, 255), rng.randint(240, 252), rng.randint(225, 245)),
    )
    s = int(28 * scale)
    page.title(int(h * 0.04), "常住人口登记卡", int(s * 1.6), spaced=variant != 2)
    if variant == 1:
        page.text(w * 0.08, h * 0.04, "居民户口簿", s)
    col = [w * 0.16, w * 0.25, w * 0.16, w * 0.27]
    x0, y0 = w * 0.08, h * 0.12
    rh = s * 2.6 if variant != 2 else s * 2.2
    labels = [
        ("姓名", p["name"], "户主或与户主关系", rng.choice(["户主", "之子", "之女", "妻", "夫"])),
        ("曾用名", "", "性别", p["sex"]),
        ("出生地", p["area"][1], "民族", p["nation"] + "族"),
        ("籍贯", p["area"][1][:3], "出生日期", f"{p['birth']:%Y年%m月%d日}"),
        ("本市(县)其他住址", "", "宗教信仰", ""),
        ("公民身份证件编号", p["id_number"], "身高", f"{rng.randint(150, 190)}cm"),
        (
            "血型",
            rng.choice("ABO") + "型",
            "文化程度",
            rng.choice(["大学本科", "高中", "初中", "研究生"]),
        ),
        (
            "婚姻状况",
            rng.choice(["已婚", "未婚"]),
            "兵役状况",
            rng.choice(["未服兵役", "退出现役"]),
        ),
        ("服务处所", V.company_name(rng)[:10], "职业", rng.choice(V.JOBS)),
        ("何时由何地迁来本市(县)", "", "何时由何地迁来本址", ""),
    ]
    page.grid(x0, y0, col, rh, len(labels))
    small = int(s * 0.8)
    for r, (l1, v1, l2, v2) in enumerate(labels):
        y = y0 + r * rh + rh * 0.3
        page.text(x0 + 8, y, l1, small if len(l1) > 5 else s)
        page.text(x0 + col[0] + 10, y, v1, small if len(v1) > 9 else s)
        page.text(x0 + col[0] + col[1] + 8, y, l2, small if len(l2) > 5 else s)
        page.text(x0 + col[0] + col[1] + col[2] + 10, y, v2, s)
    y = y0 + len(labels) * rh + s * 1.5
    reg = V.random_date(rng, dt.date(2005, 1, 1), dt.date(2025, 12, 1))
    page.text(x0, y, "承办人签章：", s)
    page.text(w * 0.55, y, f"登记日期：{reg:%Y年%m月%d日}", s)
    page.stamp(w * 0.3, y + s * 0.5, s * 3.2, "户口专用章", "")
    return page.image, {"name": p["name"], "id_number": p["id_number"]}
