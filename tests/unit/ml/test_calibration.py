"""Tests of the classifier's calibration (issue 17): the calibrator in the artifact, format 1
artifacts without one, the abstention threshold on calibrated probabilities, and the
reliability figures (ml.reliability)."""

from __future__ import annotations

import random

import joblib
import numpy as np
import pytest

from ml.classify import FORMAT_VERSION, DocumentClassifier
from ml.reliability import expected_calibration_error, per_class, reliability_table, summary
from ml.synthetic.dataset import Sample
from ml.train import (
    THRESHOLD_GRID,
    calibrate,
    choose_calibrated_threshold,
    fit_calibrator,
    fit_classifier,
)

TEMPLATES = {
    "invoice": "增值税普通发票 发票代码 {d} 发票号码 {d} 价税合计 ¥{d}.00 开票日期",
    "passport": "中华人民共和国护照 PASSPORT 护照号码 E{d} 签发机关 有效期至",
    "lease_contract": "房屋租赁合同 出租方（甲方）{n} 承租方（乙方）王伟 月租金人民币{d}.00元",
    "other": "今天天气晴朗，{n}在公园散步，菜单上有宫保鸡丁{d}元。",
}
INVOICE_TEXT = "增值税普通发票 发票代码 1234 发票号码 5678 价税合计 ¥100.00 开票日期"


def samples(seed: int, per_class: int) -> list[Sample]:
    rng = random.Random(seed)
    return [
        Sample(
            doc_type,
            template.format(n=rng.choice(["张三", "李四", "赵敏"]), d=rng.randint(100, 99999)),
            {},
            group=f"{doc_type}:{i}",
        )
        for doc_type, template in TEMPLATES.items()
        for i in range(per_class)
    ]


@pytest.fixture(scope="module")
def raw():
    train = samples(1, 10)
    return fit_classifier(
        [s.text for s in train],
        [None] * len(train),
        [s.doc_type for s in train],
        threshold=0.5,
        metadata={"note": "tiny"},
    )


def copy_of(clf: DocumentClassifier, **changes) -> DocumentClassifier:
    fields = dict(
        feature_mean=clf.feature_mean,
        feature_scale=clf.feature_scale,
        threshold=clf.threshold,
        metadata=dict(clf.metadata),
        calibrator=clf.calibrator,
    )
    fields.update(changes)
    return DocumentClassifier(clf.vectorizer, clf.model, **fields)


@pytest.fixture(scope="module")
def calibrated(raw):
    clf = copy_of(raw)
    calibrate(clf, samples(2, 8), "sigmoid")
    return clf


class Uniform:
    """A stand-in calibrator that is never sure of anything."""

    method = "sigmoid"

    def __init__(self, classes):
        self.classes_ = np.array(classes)

    def predict_proba(self, matrix):
        return np.full((matrix.shape[0], len(self.classes_)), 1.0 / len(self.classes_))


def test_format_1_artifact_without_calibrator_loads_and_predicts_as_before(raw, tmp_path):
    artifact = raw.to_artifact()
    artifact["format_version"] = 1
    del artifact["calibrator"]
    joblib.dump(artifact, tmp_path / "v1.joblib")
    loaded = DocumentClassifier.load(tmp_path / "v1.joblib")
    assert loaded is not None and loaded.calibrator is None
    assert loaded.calibration_method is None
    assert loaded.threshold == loaded.raw_threshold == 0.5
    matrix = loaded.transform([INVOICE_TEXT], [None])
    assert np.allclose(
        loaded.predict_proba_many([INVOICE_TEXT], [None]), raw.model.predict_proba(matrix)
    )
    assert loaded.predict(INVOICE_TEXT).doc_type == "invoice"


def test_calibrated_probabilities_are_a_distribution_and_differ_from_the_model(calibrated):
    texts = [s.text for s in samples(3, 3)] + ["完全无关的文字 abc"]
    probs = calibrated.predict_proba_many(texts, [None] * len(texts))
    raw = calibrated.predict_proba_many(texts, [None] * len(texts), calibrated=False)
    assert probs.shape == raw.shape == (len(texts), len(calibrated.classes))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (probs >= 0).all() and (probs <= 1).all()
    assert not np.allclose(probs, raw)
    assert calibrated.calibration_method == "sigmoid"


def test_calibrated_artifact_round_trips_with_its_calibrator(calibrated, tmp_path):
    path = calibrated.save(tmp_path / "model.joblib")
    assert joblib.load(path)["format_version"] == FORMAT_VERSION == 2
    loaded = DocumentClassifier.load(path)
    assert loaded is not None and loaded.calibration_method == "sigmoid"
    assert loaded.threshold == calibrated.threshold
    assert loaded.raw_threshold == 0.5
    assert (
        loaded.predict(INVOICE_TEXT).probabilities == calibrated.predict(INVOICE_TEXT).probabilities
    )


def test_calibrator_for_other_classes_makes_the_artifact_unusable(raw, tmp_path):
    artifact = copy_of(raw, calibrator=Uniform(["invoice", "other"])).to_artifact()
    joblib.dump(artifact, tmp_path / "mismatch.joblib")
    assert DocumentClassifier.load(tmp_path / "mismatch.joblib") is None


def test_abstention_threshold_applies_to_the_calibrated_probabilities(raw):
    sure = copy_of(raw, threshold=0.5)
    assert sure.predict(INVOICE_TEXT).doc_type == "invoice"
    unsure = copy_of(raw, threshold=0.5, calibrator=Uniform(raw.classes))
    prediction = unsure.predict(INVOICE_TEXT)
    assert prediction.abstained and prediction.doc_type == "other"
    assert prediction.confidence == pytest.approx(1.0 / len(raw.classes))


def test_calibrate_rechooses_the_threshold_and_keeps_the_old_one(calibrated):
    assert calibrated.threshold in THRESHOLD_GRID
    assert calibrated.metadata["threshold_uncalibrated"] == 0.5
    assert set(calibrated.metadata["threshold_calibrated"]) == {str(t) for t in THRESHOLD_GRID}
    assert calibrated.metadata["calibration"]["method"] == "sigmoid"
    threshold, scores = choose_calibrated_threshold(calibrated, samples(2, 8), "sigmoid")
    assert threshold == calibrated.threshold
    assert scores[str(threshold)] >= max(scores.values()) - 0.005


def test_calibration_set_must_hold_every_class(raw):
    lacking = [s for s in samples(2, 4) if s.doc_type != "passport"]
    with pytest.raises(ValueError, match="passport"):
        fit_calibrator(raw, lacking)
    with pytest.raises(ValueError, match="two readable documents"):
        fit_calibrator(raw, samples(2, 1))
    with pytest.raises(ValueError, match="method"):
        fit_calibrator(raw, samples(2, 4), method="guesswork")


def test_ece_is_zero_when_confidence_matches_accuracy_and_large_when_overconfident():
    classes = ["a", "b"]
    # 10 documents at 0.8 confidence, 8 of them right: calibrated.
    probs = np.array([[0.8, 0.2]] * 10)
    labels = ["a"] * 8 + ["b"] * 2
    assert expected_calibration_error(probs, classes, labels) == pytest.approx(0.0)
    # The same confidence with only half right: off by 0.3.
    assert expected_calibration_error(probs, classes, ["a"] * 5 + ["b"] * 5) == pytest.approx(0.3)
    table = reliability_table(probs, classes, labels)
    assert table == [{"bin": "0.8-0.9", "documents": 10, "confidence": 0.8, "accuracy": 0.8}]


def test_per_class_figures_judge_a_class_on_every_document():
    classes = ["a", "b"]
    probs = np.array([[1.0, 0.0], [1.0, 0.0]])
    figures = per_class(probs, classes, ["a", "b"])
    assert figures["a"] == {"support": 1, "ece": 0.5, "brier": 0.5}
    assert figures["b"]["support"] == 1 and figures["b"]["brier"] == 0.5
    whole = summary(probs, classes, ["a", "b"])
    assert whole["top1_accuracy"] == 0.5 and whole["ece"] == 0.5 and whole["documents"] == 2
