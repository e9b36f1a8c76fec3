"""The classifier knows what a type cannot lack (issue 17): a text without a type's required
anchor is never typed as it, and a text with all of a type's evidence is typed as it when
the model has no answer (ml.doctypes.Anchors, ml.classify.DocumentClassifier.decide)."""

import numpy as np

from ml.classify import DocumentClassifier, lacks_anchors, proven_type
from ml.doctypes import DOC_TYPES, Anchors, find

FORM = """RJR REYNOLDS TOBACCO COMPANY
FAX TRANSMITTAL FORM
TO: Mr. J. Smith        FROM: K. Brown
SUBJECT: Marketing research proposal      PAGES: 3
Please review the attached and call me at 910-741-5000."""
RECEIPT = """KEDAI MAKAN SIN THYE & COMPANY
NO.54, BATU 5, JALAN IPOH 51200 KUALA LUMPUR
DATE: 28/02/2016  TIME 13:01
NASI LEMAK 2 X 5.50 11.00
TEH TARIK 2 X 2.00 4.00
TOTAL 15.00
CASH 20.00 CHANGE 5.00"""


class Scripted(DocumentClassifier):
    """Answers fixed probabilities, to test decide() without a fitted model."""

    def __init__(self, probabilities: dict[str, float], threshold: float = 0.5):
        self.classes = list(probabilities)
        self.row = np.array(list(probabilities.values()))
        self.threshold = threshold

    def predict_proba_many(self, texts, features):
        return np.vstack([self.row for _ in texts])


def sure_of(doc_type: str, p: float = 0.93) -> Scripted:
    rest = (1 - p) / (len(DOC_TYPES) - 1)
    return Scripted({t: (p if t == doc_type else rest) for t in DOC_TYPES})


def test_every_type_but_other_declares_a_required_anchor():
    for code in DOC_TYPES:
        assert isinstance(find(code).anchors, Anchors)
        assert bool(find(code).anchors.required) == (code != "other"), code


def test_an_english_form_is_never_a_passport_or_an_id_card():
    for code in ("passport", "id_card_front", "id_card_back", "business_license"):
        assert lacks_anchors(code, FORM), code
        prediction = sure_of(code).predict(FORM)
        assert prediction.doc_type == "other" and prediction.abstained, code


def test_a_passport_with_its_mrz_stays_a_passport():
    mrz = (
        "REPUBLIC OF UTOPIA\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C36UTO7408122F1204159"
    )
    assert not lacks_anchors("passport", mrz)
    assert sure_of("passport").predict(mrz).doc_type == "passport"


def test_a_receipt_is_proven_by_its_words_and_amounts():
    assert proven_type(RECEIPT) == "invoice"
    for model_says in ("other", "passport"):
        prediction = sure_of(model_says).predict(RECEIPT)
        assert prediction.doc_type == "invoice" and prediction.basis == "anchors", model_says
    unsure = sure_of("invoice", p=0.3).predict(RECEIPT)  # below the threshold, but proven
    assert unsure.doc_type == "invoice"


def test_evidence_needs_every_anchor():
    assert proven_type(FORM) is None
    no_words = RECEIPT.replace("TOTAL", "SUM").replace("CASH", "").replace("CHANGE", "")
    assert proven_type(no_words) is None  # no word that only bills print
    two_amounts = RECEIPT.replace("11.00", "11").replace("4.00", "4")
    assert proven_type(two_amounts.replace("20.00", "20").replace("5.00", "5")) is None
    assert sure_of("other").predict(no_words).doc_type == "other"


def test_a_confident_model_answer_with_its_anchors_is_kept():
    text = "营业执照 统一社会信用代码 91350100M000100Y43 名称 厦门某某科技有限公司 合计 1.00"
    assert sure_of("business_license").predict(text).doc_type == "business_license"
