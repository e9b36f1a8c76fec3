"""Any other document (其他): what the classifier answers when no known type fits.

It has no fields and so no extractor; its synthetic generator draws varied non-forms
(text pages, menus, photos) that teach the classifier what is not a known type.
"""

from __future__ import annotations

from ml.doctypes.registry import N_, DocType, SyntheticLayout

DOC_TYPE = DocType(
    code="other",
    label=N_("Other document"),
    name_zh="其他",
    short="other",
    fields=(),
    extractor=None,
    synthetic=SyntheticLayout("ml.synthetic.other:render_other", variants=4),
)
