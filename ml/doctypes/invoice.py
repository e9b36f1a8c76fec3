"""Invoice or receipt (发票/收据): code, number, date of issue and total amount.

Receipts and fully digital invoices have no 发票代码, so the invoice code is optional.
"""

from __future__ import annotations

from ml.doctypes.registry import N_, DocType, Field, SyntheticLayout

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
)
