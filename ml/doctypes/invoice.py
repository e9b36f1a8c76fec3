"""Invoice or receipt (发票/收据): code, number, date of issue and total amount.

Receipts and fully digital invoices have no 发票代码, so the invoice code is optional.
Receipts are often English (TOTAL, AMOUNT DUE, dd/mm/yy dates): the type's anchors let a
text with a bill's words and amounts be typed a receipt in any language.
"""

from __future__ import annotations

from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout

_KEYWORD = (
    r"发票|票据|收据|小票|合计|价税|金额|总计|实收|应收|TOTAL|AMOUNT|RECEIPT|INVOICE|CASH"
    r"|\bGST\b|\bTAX\b|\bBILL\b|CHANGE|SUBTOTAL"
)
_AMOUNT = r"\d\s?[.,]\s?\d{2}(?!\d)"  # cents after a point or a decimal comma
DOC_TYPE = DocType(
    code="invoice",
    label=N_("Invoice or receipt"),
    name_zh="发票/收据",
    short="invoice",
    fields=(
        Field("invoice_code", N_("Invoice code"), validator="invoice_code", optional=True),
        Field("invoice_number", N_("Invoice number"), validator="invoice_number"),
        Field("issue_date", N_("Date of issue"), validator="date"),
        Field("total", N_("Total amount"), validator="amount"),
    ),
    extractor="ml.fields.business:extract_invoice",
    synthetic=SyntheticLayout("ml.synthetic.invoices:render_invoice", variants=3),
    anchors=Anchors(
        required=_KEYWORD + "|" + _AMOUNT,
        # words that only bills print and at least three amounts with cents
        evidence=(
            (
                r"CASH|RECEIPT|INVOICE|\bGST\b|\bQTY\b|\bRM\s?\d|SUB\s?-?TOTAL|CHANGE\s*DUE"
                r"|TOTAL\s*(?:RM|INCL|AMOUNT|SALES|DUE)|AMOUNT\s*DUE|合计|价税|总计|实收|应收|发票|收据"
            ),
            rf"{_AMOUNT}[\s\S]*{_AMOUNT}[\s\S]*{_AMOUNT}",
        ),
    ),
)
