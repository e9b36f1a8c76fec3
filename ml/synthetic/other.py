"""Layouts for class "other": letters, notices, menus, news text, English letters,
blank-ish photos and animal-like noise pictures — anything that is not a known type.

The last variant (``variant == 3``) is reserved for the held-out set.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ml.synthetic import values as V
from ml.synthetic.canvas import Page

SENTENCES = [
    "今天天气晴朗，气温适宜，适合外出散步。",
    "本周六上午九点在社区活动中心举办健康讲座。",
    "请各位业主注意防火安全，不要在楼道内堆放杂物。",
    "会议讨论了下一阶段的工作计划和预算安排。",
    "图书馆将于下月起延长开放时间至晚上十点。",
    "孩子们在操场上踢足球，笑声不断。",
    "春节期间高速公路免费通行，请合理安排出行。",
    "本店新推出多款季节限定饮品，欢迎品尝。",
    "为进一步提升服务质量，现就有关事项通知如下。",
    "请于本月二十日前将材料报送办公室。",
    "近年来，城市公共交通网络不断完善，市民出行更加便捷。",
    "研究表明，适量运动有助于改善睡眠质量。",
    "公园里的樱花开了，吸引了众多游客前来拍照。",
    "由于设备检修，明日上午将暂停供水四小时。",
    "该项目预计明年年底竣工并投入使用。",
    "欢迎大家积极参加本次志愿服务活动。",
    "小区停车位紧张，请按规定位置停放车辆。",
    "这本书讲述了一个关于成长与友谊的故事。",
    "各部门要高度重视安全生产工作，落实责任。",
    "感谢您一直以来对我们工作的支持与理解。",
]
DISHES = [
    "宫保鸡丁",
    "鱼香肉丝",
    "麻婆豆腐",
    "红烧肉",
    "糖醋排骨",
    "清炒时蔬",
    "酸辣汤",
    "蛋炒饭",
    "水煮鱼",
    "回锅肉",
    "小笼包",
    "牛肉面",
    "西红柿炒蛋",
    "干煸豆角",
    "凉拌黄瓜",
]
ENGLISH = [
    "Dear Sir or Madam,",
    "Thank you for your letter of last week.",
    "We are pleased to confirm the meeting on Monday at 10 am.",
    "Please find the agenda attached to this message.",
    "The weather was lovely and we enjoyed the trip very much.",
    "Kind regards,",
    "Looking forward to hearing from you soon.",
]
TITLES = [
    "通知",
    "关于开展卫生大扫除的通知",
    "会议纪要",
    "邀请函",
    "温馨提示",
    "社区公告",
    "读书笔记",
    "工作总结",
]


def _text_page(rng: random.Random, fonts: list[str], variant: int) -> Image.Image:
    page = Page(int(1240 * rng.uniform(0.8, 1.0)), int(1754 * rng.uniform(0.8, 1.0)), rng, fonts)
    s = int(rng.uniform(24, 32))
    page.title(int(page.height * 0.06), rng.choice(TITLES), int(s * 1.5))
    y = page.height * 0.14
    if rng.random() < 0.5:
        page.text(
            page.width * 0.1,
            y,
            rng.choice(["各位居民：", "全体员工：", "亲爱的朋友：", "尊敬的客户："]),
            s,
        )
        y += s * 2
    for _ in range(rng.randint(2, 5)):
        y = page.paragraph(
            page.width * 0.1,
            y,
            page.width * 0.8,
            "".join(rng.sample(SENTENCES, rng.randint(2, 4))),
            s,
        )
        if y > page.height * 0.85:
            break
    when = V.random_date(rng, dt.date(2018, 1, 1), dt.date(2026, 6, 1))
    page.text(
        page.width * 0.6,
        min(y + s * 2, page.height - s * 3),
        f"{when.year}年{when.month}月{when.day}日",
        s,
    )
    return page.image


def _menu(rng: random.Random, fonts: list[str]) -> Image.Image:
    page = Page(
        900,
        int(1300 * rng.uniform(0.8, 1.1)),
        rng,
        fonts,
        background=(rng.randint(230, 255), rng.randint(220, 245), rng.randint(190, 230)),
    )
    s = 30
    page.title(40, rng.choice(["菜  单", "本店招牌菜", "今日特价", "MENU 菜单"]), 52)
    y = 140
    for dish in rng.sample(DISHES, rng.randint(6, 12)):
        page.text(80, y, dish, s)
        page.text(620, y, f"{rng.randint(8, 98)}元", s)
        y += s * 2
    return page.image


def _english(rng: random.Random, fonts: list[str]) -> Image.Image:
    page = Page(1100, 1400, rng, fonts)
    y = 120
    for line in rng.sample(ENGLISH, rng.randint(4, 7)):
        page.text(100, y, line, 30)
        y += 60
    return page.image


def _photo_like(rng: random.Random) -> Image.Image:
    """A blank-ish or blob picture (landscape, pet-like shapes, fur noise) with no text."""
    w, h = rng.randint(600, 1200), rng.randint(600, 1200)
    gen = np.random.default_rng(rng.getrandbits(32))
    small = gen.uniform(0, 255, (rng.randint(3, 12), rng.randint(3, 12), 3)).astype(np.uint8)
    img = Image.fromarray(small).resize((w, h), Image.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(0, 6)):
        cx, cy, r = rng.randint(0, w), rng.randint(0, h), rng.randint(40, 260)
        draw.ellipse(
            [cx - r, cy - r * 0.7, cx + r, cy + r * 0.7],
            fill=tuple(rng.randint(60, 220) for _ in range(3)),
        )
        if rng.random() < 0.5:
            draw.polygon(
                [
                    (cx - r * 0.7, cy - r * 0.5),
                    (cx - r * 0.4, cy - r * 1.1),
                    (cx - r * 0.2, cy - r * 0.6),
                ],
                fill=tuple(rng.randint(60, 220) for _ in range(3)),
            )
    fur = gen.normal(0, rng.uniform(5, 35), (h, w, 1))
    arr = np.clip(np.asarray(img, dtype=np.float32) + fur, 0, 255).astype(np.uint8)
    return Image.fromarray(arr).filter(ImageFilter.GaussianBlur(rng.uniform(0, 3)))


def _mixed(rng: random.Random, fonts: list[str]) -> Image.Image:
    """A poster: a picture with a short caption (held-out only)."""
    img = _photo_like(rng)
    page = Page(img.width, img.height + 200, rng, fonts)
    page.image.paste(img, (0, 0))
    page.text(40, img.height + 60, "".join(rng.sample(SENTENCES, 1)), 34)
    return page.image


def render_other(rng: random.Random, fonts: list[str], variant: int):
    """Anything that is not a known document type; fields are always empty."""
    if variant == 3:
        return (_mixed(rng, fonts) if rng.random() < 0.4 else _text_page(rng, fonts, variant)), {}
    roll = rng.random()
    if roll < 0.45:
        image = _text_page(rng, fonts, variant)
    elif roll < 0.62:
        image = _menu(rng, fonts)
    elif roll < 0.75:
        image = _english(rng, fonts)
    else:
        image = _photo_like(rng)
    return image, {}
