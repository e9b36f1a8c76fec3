"""Extractors for business and civil paperwork: business licence, lease contract,
employment certificate, degree certificate, invoice/receipt."""

from __future__ import annotations

import re
from decimal import Decimal

from ml.normalize import normalize_amount, normalize_credit_code, normalize_date
from ml.validators import validate

from .base import CJK_NAME, ORG_NAME, Document, FieldRecord, record
from .identity import DATE_ANY, DATE_CN, _clean_name
from .receipts import cross_check_total, find_date, find_total, unlabelled_invoice_ids

# An amount with cents as OCR prints it: "37359.61", "37,359.61", "37359 .61".
MONEY = r"\d{1,3}(?:,\d{3})+\s?\.\s?\d{2}|\d+\s?\.\s?\d{2}"
AMOUNT = r"[¥￥Y]?\s*\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|[¥￥Y]?\s*\d+(?:\.\d{1,2})?"
_LABEL_WORDS = (
    "名称",
    "类型",
    "法定代表人",
    "经营范围",
    "注册资本",
    "成立日期",
    "营业期限",
    "住所",
)


def _org(raw: str) -> str | None:
    value = re.sub(r"\s+", "", raw)
    for word in ("名称", "称", "兹证明", "我单位", "入职", "在"):
        if value.startswith(word) and len(value) > len(word) + 3:
            value = value[len(word) :]
    return value if len(value) >= 4 else None


def extract_business_license(doc: Document) -> dict[str, FieldRecord]:
    """统一社会信用代码, 名称, 法定代表人, 成立日期 (label/value rows or two columns)."""
    fields: dict[str, FieldRecord] = {}
    codes = []
    for line, match in doc.search(r"(?<![0-9A-Z])[0-9A-Z](?:\s?[0-9A-Z]){17,18}(?![0-9A-Z])"):
        raw = re.sub(r"\s", "", match.group(0))
        value = normalize_credit_code(raw) if len(raw) == 18 else _drop_inserted_char(raw)
        if value:
            codes.append(record(value, line, match.start(), match.end()))
    valid = [c for c in codes if validate("credit_code", c["value"]).ok]
    if valid or codes:
        fields["credit_code"] = (valid or codes)[0]
    name = doc.after_label(["名称"], ORG_NAME, clean=_org) or doc.first(
        rf"^\s*({ORG_NAME})\s*$", group=1, clean=_org
    )
    if name:
        fields["company_name"] = name
    legal = doc.after_label(
        ["法定代表人", "负责人", "经营者"], r"[^\s\d]{0,2}?" + CJK_NAME, clean=_clean_legal
    )
    if legal is None:  # two columns read one after the other: the value is in the label's row
        legal = doc.beside(["法定代表人", "负责人", "经营者"], CJK_NAME, clean=_clean_legal)
    if legal:
        fields["legal_rep"] = legal
    established = doc.after_label(
        ["成立日期", "注册日期", "成立日其", "成立日"], DATE_CN, clean=normalize_date
    )
    if established is None:  # two-column layout: the first full date is 成立日期
        # (its 日 is sometimes misread as another character: 2013 年 04 月 17 晶)
        established = doc.first(
            rf"^\s*({DATE_CN})\s*[\u4e00-\u9fff]?\s*$", group=1, clean=normalize_date
        )
    if established:
        fields["established"] = established
    return fields


def _drop_inserted_char(raw: str) -> str | None:
    """A 19-character reading of a credit code with one character inserted by OCR: the
    code is recovered only if exactly one deletion gives a valid check character."""
    variants = {normalize_credit_code(raw[:i] + raw[i + 1 :]) for i in range(len(raw))}
    valid = [v for v in variants if v and validate("credit_code", v).ok]
    return valid[0] if len(valid) == 1 else None


def _clean_legal(raw: str) -> str | None:
    name = re.sub(r"[^\u4e00-\u9fff·]", "", raw)
    if len(name) == 4 and name[0] in "有“":  # stray mark read before a 3-character name
        name = name[1:]
    if name.startswith(("经营", "注册", "成立", "营业", "类型", "住所", "名称")):
        return None
    return name if 2 <= len(name) <= 4 and not name.startswith(_LABEL_WORDS) else None


def extract_lease_contract(doc: Document) -> dict[str, FieldRecord]:
    """出租方/甲方, 承租方/乙方, the rented address and the monthly rent."""
    fields: dict[str, FieldRecord] = {}
    party = r"[\u4e00-\u9fff·]{2,20}?(?=乙方|甲方|\s|$|[,;(（])"
    paren = r"(?:\s*[(【\[]\s*[^)】\]]{0,6}[)】\]])?\s*[:;]\s*"
    lessor = _party_record(doc, rf"(?:出租方|出租人|甲方){paren}(?P<v>{party})")
    lessee = _party_record(doc, rf"(?:承租方|承租人|乙方){paren}(?P<v>{party})")
    if lessor:
        fields["lessor"] = lessor
    if lessee:
        fields["lessee"] = lessee
    address = doc.after_label(
        ["房屋地址", "房屋坐落于", "房屋坐落", "坐落于", "租赁房屋位于", "房屋位于", "地址"],
        r"[^,，。;]{6,60}",
        clean=_address,
    )
    if address:
        fields["address"] = address
    rent = doc.first(
        r"(?:月租金|每月租金|租金为每月|租金每月|月租)\s*(?:为|:)?\s*(?:人民币|RMB)?\s*"
        rf"(?P<v>{AMOUNT})\s*元?",
        group="v",
        clean=normalize_amount,
        check=lambda v: validate("amount", v).ok,
    )
    if rent:
        fields["monthly_rent"] = rent
    return fields


def _party_record(doc: Document, pattern: str) -> FieldRecord | None:
    """The first mention of a party; a contract names each party twice (header and
    signature block), and when OCR dropped the last character of one (乙方 : 何浩 ...
    乙方 (签字) : 何浩桂) the other mention that extends it by a character or two wins."""
    mentions = []
    for line, match in doc.search(pattern):
        value = _party(match.group("v"))
        if value:
            mentions.append(record(value, line, match.start("v"), match.end("v")))
    if not mentions:
        return None
    first = mentions[0]
    longer = [
        m
        for m in mentions[1:]
        if m["value"].startswith(first["value"]) and 0 < len(m["value"]) - len(first["value"]) <= 2
    ]
    return longer[0] if longer else first


def _party(raw: str) -> str | None:
    value = re.sub(r"[^\u4e00-\u9fff·]", "", raw)
    value = re.sub(r"(签字|签章|盖章)$", "", value)
    return value if 2 <= len(value) <= 20 else None


def _address(raw: str) -> str | None:
    value = re.sub(r"\s+", "", raw)
    value = re.split(r"建筑面积|面积|,", value)[0]
    return value if len(value) >= 6 else None


def extract_employment_certificate(doc: Document) -> dict[str, FieldRecord]:
    """在职证明/工作证明: the employee's name and the employer."""
    fields: dict[str, FieldRecord] = {}
    name = doc.first(
        rf"(?:兹证明|兹有|证明)\s*(?P<v>{CJK_NAME}?)(?:同志|先生|女士)?\s*[(,，（]",
        group="v",
        clean=_clean_name,
    )
    if name is None:
        name = doc.first(rf"^\s*(?P<v>{CJK_NAME})\s*[,，]\s*[男女]", group="v", clean=_clean_name)
    if name is None:  # "兹有" misread: the name still precedes 同志/身份证号
        name = doc.first(
            rf"(?P<v>{CJK_NAME})(?:同志|先生|女士)?\s*[,，(]\s*身份证",
            group="v",
            clean=lambda v: _clean_name(v[1:] if v[0] in "有证兹" and len(v) > 2 else v),
        )
    if name is None:
        name = doc.after_label(["姓名"], CJK_NAME, clean=_clean_name)
    if name:
        fields["name"] = name
    employer = doc.first(
        rf"(?:入职|就职于|任职于|单位名称:?)\s*(?P<v>{ORG_NAME})", group="v", clean=_org
    )
    if employer is None:  # the signing organisation, usually the last org line
        candidates = [
            (line, m) for line, m in doc.search(rf"^\s*(?P<v>{ORG_NAME})\s*(?:\(盖章\))?\s*$")
        ]
        if candidates:
            line, match = candidates[-1]
            value = _org(match.group("v"))
            if value:
                employer = record(value, line, match.start("v"), match.end("v"))
    if employer:
        fields["employer"] = employer
    return fields


def extract_degree_certificate(doc: Document) -> dict[str, FieldRecord]:
    """学位证书: the graduate's name (start of the statement) and the institution."""
    fields: dict[str, FieldRecord] = {}
    name = doc.first(
        rf"^\s*[^\u4e00-\u9fff]{{0,3}}(?P<v>{CJK_NAME})\s*[,，]\s*[男女]",
        group="v",
        clean=_clean_name,
    ) or doc.after_label(["姓名"], CJK_NAME, clean=_clean_name)
    if name:
        fields["name"] = name
    school = r"[\u4e00-\u9fff]{2,14}?(?:大学|学院|学校|研究院|研究所|党校)"
    institution = doc.after_label(["学位授予单位", "授予单位", "学校名称"], school) or doc.first(
        rf"(?:于|在)\s*(?P<v>{school})",
        group="v",
        check=lambda v: not v.startswith(("我校", "本校")),
    )
    if institution is None:
        institution = doc.first(
            rf"(?P<v>{school})",
            group="v",
            check=lambda v: not v.startswith(("我校", "本校", "在我校")),
        )
    if institution:
        fields["institution"] = institution
    return fields


def extract_invoice(doc: Document) -> dict[str, FieldRecord]:
    """发票代码, 发票号码 (or a receipt's 单号/No.), 开票日期 (or 日期/Date) and the total; when
    the labels were not read, values found by their shape (:mod:`ml.fields.receipts`)."""
    fields: dict[str, FieldRecord] = {}
    code = doc.after_label(["发票代码"], r"\d{10,12}")
    if code:
        fields["invoice_code"] = code
    number = doc.after_label(
        ["发票号码", "票据号码", "单号", "No", "NO", "流水号", "号码"], r"\d{6,20}"
    )
    if number:
        fields["invoice_number"] = number
    for key, found in unlabelled_invoice_ids(doc).items():
        fields.setdefault(key, found)
    issued = doc.after_label(
        ["开票日期", "开具日期", "日期", "交易时间"], DATE_ANY, clean=normalize_date
    )
    issued = issued or find_date(doc)
    if issued:
        fields["issue_date"] = issued
    total = None
    for label in (
        r"\(?小写\s*\)?",
        r"价税合计",
        r"应收金额",
        r"实收金额",
        r"合计金额",
        r"合计",
        r"总计",
        r"金额合计",
        r"实付",
        r"应付",
        r"现金",
    ):
        total = doc.first(
            rf"{label}\s*:?\s*[^\d\s]{{0,2}}\s*(?P<v>{MONEY})",
            group="v",
            clean=normalize_amount,
            check=lambda v: validate("amount", v).ok,
        )
        if total:
            break
    if total:
        total = _repair_total(doc, total)
    total = cross_check_total(doc, total or find_total(doc))
    if total:
        fields["total"] = total
    return fields


def _repair_total(doc: Document, total: FieldRecord) -> FieldRecord:
    """OCR often swallows the first digit together with "¥" (¥16313.55 -> 光 6313.55). A VAT
    invoice also prints the net amount and the tax: if two of the document's amounts add
    up to a number ending in the read total, that sum is the real total. Amounts read
    with a stray leading digit (845302.69 for 45302.69, or the total itself when "¥" was
    read as "3") count without it, and the sums of
    the item rows' amount and tax columns (the cells left and right of "13%") are one
    more pair, for when the 合计 row itself is garbled."""
    amounts: set[Decimal] = set()  # as read
    trimmed: set[Decimal] = set()  # without a stray leading digit
    for _, match in doc.search(MONEY):
        value = normalize_amount(re.sub(r"\s", "", match.group(0)))
        if value:
            amounts.add(Decimal(value))
            if len(value) > 4:
                trimmed.add(Decimal(value[1:]))
    net, tax = Decimal(0), Decimal(0)
    for _, match in doc.search(
        rf"(?P<net>{MONEY})\s+\S{{0,2}}\d{{1,2}}\s?%\S{{0,2}}\s+(?P<tax>{MONEY})"
    ):
        net += Decimal(normalize_amount(re.sub(r"\s", "", match.group("net"))) or 0)
        tax += Decimal(normalize_amount(re.sub(r"\s", "", match.group("tax"))) or 0)
    as_read = sorted(amounts)
    pairs = [(net, tax)] if net and tax else []
    pairs += [(a, b) for i, a in enumerate(as_read) for b in as_read[i + 1 :]]
    read = total["value"]
    for first, second in pairs:
        candidate = f"{first + second:.2f}"
        if candidate != read and candidate.endswith(read) and len(candidate) <= len(read) + 2:
            return dict(total, value=candidate)
        if candidate == read[1:]:  # "¥" read as a digit: (小写) 345896.58 for ¥45896.58
            return dict(total, value=candidate)
    # Amounts with a stray leading digit only ever lengthen the read total: a trimmed
    # net plus a real tax is exactly the real total without its first digit.
    values = sorted(amounts | trimmed)
    for i, first in enumerate(values):
        for second in values[i + 1 :]:
            candidate = f"{first + second:.2f}"
            if candidate != read and candidate.endswith(read) and len(candidate) <= len(read) + 2:
                return dict(total, value=candidate)
    return total
