"""Layouts for invoices (增值税发票) and shop receipts (购物小票), both of class "invoice".

Receipts carry no 发票代码, so their fields hold only invoice_number (the receipt
number), issue_date and total.  The last variant is reserved for the held-out set.
"""

from __future__ import annotations

import datetime as dt
import random

from ml.synthetic import values as V
from ml.synthetic.canvas import Page

BROWN = (130, 80, 40)


def _items(rng: random.Random, count: int) -> list[tuple[str, str, int, float]]:
    out = []
    for _ in range(count):
        good, unit = rng.choice(V.GOODS)
        out.append((good, unit, rng.randint(1, 20), round(rng.uniform(5, 2000), 2)))
    return out


def render_vat_invoice(rng: random.Random, fonts: list[str], variant: int):
    """增值税(电子)普通发票 with 发票代码, 发票号码, 开票日期, item table and 价税合计."""
    scale = rng.uniform(0.95, 1.15)
    w, h = int(1500 * scale), int(960 * scale)
    page = Page(w, h, rng, fonts)
    s = int(22 * scale)
    region = rng.choice(["北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "深圳"])
    kind = rng.choice(["增值税电子普通发票", "增值税普通发票", "增值税专用发票"])
    page.title(
        int(h * 0.03),
        f"{region}{kind}" if variant != 2 else "电子发票（普通发票）",
        int(s * 1.7),
        fill=BROWN,
    )
    page.draw.ellipse([w * 0.44, h * 0.1, w * 0.56, h * 0.17], outline=(200, 40, 40), width=3)
    code = V.digits(rng, 12 if rng.random() < 0.8 else 10)
    number = f"{rng.randint(0, 99999999):08d}"
    date = V.random_date(rng, dt.date(2018, 1, 1), dt.date(2026, 6, 1))
    right = w * 0.68
    y = h * 0.05
    if variant != 2:
        page.text(right, y, f"发票代码：{code}", s, fill=BROWN)
        page.text(right, y + s * 1.6, f"发票号码：{number}", s, fill=BROWN)
        page.text(right, y + s * 3.2, f"开票日期：{date:%Y年%m月%d日}", s, fill=BROWN)
        page.text(right, y + s * 4.8, f"校 验 码：{V.digits(rng, 20)}", int(s * 0.8), fill=BROWN)
    else:
        number = V.digits(rng, 20)
        code = ""
        page.text(right, y + s * 1.6, f"发票号码：{number}", s, fill=BROWN)
        page.text(right, y + s * 3.2, f"开票日期：{date:%Y年%m月%d日}", s, fill=BROWN)
    x0, y0 = w * 0.04, h * 0.22
    page.draw.rectangle([x0, y0, w * 0.96, h * 0.86], outline=BROWN, width=2)
    buyer = V.company_name(rng)
    seller = V.company_name(rng)
    page.text(x0 + 10, y0 + 10, "购买方", s, fill=BROWN)
    page.text(x0 + s * 4, y0 + 10, f"名    称：{buyer}", s)
    page.text(
        x0 + s * 4,
        y0 + 10 + s * 1.6,
        f"纳税人识别号：{V.credit_code(rng, rng.choice(V.AREAS)[0])}",
        s,
    )
    ty = y0 + s * 5
    page.draw.line([(x0, ty), (w * 0.96, ty)], fill=BROWN, width=2)
    headers = [
        "货物或应税劳务、服务名称",
        "规格型号",
        "单位",
        "数量",
        "单价",
        "金额",
        "税率",
        "税额",
    ]
    cols = [x0 + 10, w * 0.3, w * 0.4, w * 0.47, w * 0.54, w * 0.64, w * 0.76, w * 0.84]
    for cx, head in zip(cols, headers):
        page.text(cx, ty + 8, head, int(s * 0.85), fill=BROWN)
    rate = rng.choice((0.01, 0.03, 0.06, 0.13))
    net_total = tax_total = 0.0
    iy = ty + s * 2
    for good, unit, qty, price in _items(rng, rng.randint(1, 4)):
        net = round(qty * price, 2)
        tax = round(net * rate, 2)
        net_total += net
        tax_total += tax
        row = [
            f"*{good}*{good}",
            "",
            unit,
            str(qty),
            f"{price:.2f}",
            f"{net:.2f}",
            f"{int(rate * 100)}%",
            f"{tax:.2f}",
        ]
        for cx, cell in zip(cols, row):
            page.text(cx, iy, cell, int(s * 0.85))
        iy += s * 1.5
    total = f"{round(net_total + tax_total, 2):.2f}"
    ly = h * 0.62
    page.text(x0 + 10, ly, "合        计", s, fill=BROWN)
    page.text(w * 0.64, ly, f"¥{net_total:.2f}", s)
    page.text(w * 0.84, ly, f"¥{tax_total:.2f}", s)
    page.draw.line([(x0, ly + s * 1.6), (w * 0.96, ly + s * 1.6)], fill=BROWN, width=2)
    page.text(x0 + 10, ly + s * 2.2, "价税合计（大写）", s, fill=BROWN)
    page.text(x0 + s * 9, ly + s * 2.2, V.amount_in_words(total), s)
    page.text(w * 0.66, ly + s * 2.2, "（小写）", s, fill=BROWN)
    page.text(w * 0.72, ly + s * 2.2, f"¥{total}", s)
    page.text(x0 + 10, ly + s * 4.2, "销售方", s, fill=BROWN)
    page.text(x0 + s * 4, ly + s * 4.2, f"名    称：{seller}", s)
    people = [V.person_name(rng)[0] for _ in range(3)]
    page.text(
        x0,
        h * 0.9,
        f"收款人：{people[0]}    复核：{people[1]}    开票人：{people[2]}    销售方：（章）",
        s,
        fill=BROWN,
    )
    page.stamp(w * 0.8, h * 0.86, s * 3.4, seller[:10], "发票专用章")
    fields = {
        "invoice_code": code,
        "invoice_number": number,
        "issue_date": date.isoformat(),
        "total": total,
    }
    if not code:
        del fields["invoice_code"]
    return page.image, fields


def render_receipt(rng: random.Random, fonts: list[str], variant: int):
    """A narrow thermal-paper shop receipt (购物小票 / 收据) with items and 合计."""
    scale = rng.uniform(0.9, 1.1)
    lines = rng.randint(3, 9)
    w, h = int(640 * scale), int((760 + lines * 48) * scale)
    page = Page(w, h, rng, fonts, background=(rng.randint(238, 252),) * 3)
    s = int(26 * scale)
    shop = rng.choice(
        ["华联超市", "永辉超市", "便利蜂", "美宜佳便利店", "家乐福", "物美超市", "全家便利店"]
    )
    page.title(
        int(s * 1.2), shop if variant != 2 else f"{shop}（{rng.choice(V.STREETS)}店）", int(s * 1.3)
    )
    page.title(int(s * 3.0), "购物小票" if variant != 1 else "收    据", s)
    when = V.random_date(rng, dt.date(2019, 1, 1), dt.date(2026, 6, 1))
    number = V.digits(rng, rng.choice((10, 12, 14)))
    x, y = s, s * 5
    page.text(x, y, f"单号：{number}", s)
    page.text(
        x,
        y + s * 1.5,
        f"日期：{when:%Y-%m-%d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}",
        s,
    )
    page.text(x, y + s * 3, f"收银员：{rng.randint(1, 40):03d}", s)
    y += s * 4.8
    page.text(x, y, "-" * 40, s)
    y += s * 1.2
    page.text(x, y, "品名            数量    单价    金额", s)
    y += s * 1.5
    total = 0.0
    for _ in range(lines):
        item = rng.choice(V.SHOP_ITEMS)
        qty, price = rng.randint(1, 5), round(rng.uniform(1.5, 89.9), 1)
        total += qty * price
        page.text(x, y, item, s)
        page.text(w * 0.5, y, f"{qty}   {price:.2f}   {qty * price:.2f}", s)
        y += s * 1.5
    page.text(x, y, "-" * 40, s)
    total_s = f"{total:.2f}"
    page.text(
        x,
        y + s * 1.3,
        f"合计：{total_s}" if variant != 1 else f"应收金额：{total_s}",
        int(s * 1.15),
    )
    page.text(
        x, y + s * 2.9, f"{rng.choice(['微信支付', '支付宝', '现金', '银联卡'])}：{total_s}", s
    )
    page.text(x, y + s * 4.4, "谢谢惠顾，欢迎再次光临！", s)
    return page.image, {"invoice_number": number, "issue_date": when.isoformat(), "total": total_s}


def render_invoice(rng: random.Random, fonts: list[str], variant: int):
    """Class "invoice": a VAT invoice most of the time, otherwise a shop receipt."""
    if rng.random() < 0.7:
        return render_vat_invoice(rng, fonts, variant)
    return render_receipt(rng, fonts, variant)
