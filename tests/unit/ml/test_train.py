"""Tests of the training command (ml.train): feedback, augmentation, threshold, a tiny full run."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from ml.classify import DocumentClassifier
from ml.doctypes import DOC_TYPES
from ml.synthetic.dataset import Sample, load_samples, save_samples
from ml.train import (
    THRESHOLD_GRID,
    accuracy_with_threshold,
    choose_threshold,
    data_hash,
    expand,
    main,
    read_feedback,
)

TEXTS = {
    "invoice": "增值税普通发票 发票代码 {d} 发票号码 {d} 价税合计 ¥{d}.00",
    "passport": "中华人民共和国护照 PASSPORT P<CHNWANG<<WEI<<<< E{d}",
    "other": "今天天气很好，我们去公园散步，看到了{d}只鸭子。",
}


def make_samples(per_class: int = 9) -> list[Sample]:
    rng = random.Random(0)
    return [
        Sample(t, tpl.format(d=rng.randint(10, 99999)), {"aspect": rng.random()}, group=f"{t}:{i}")
        for t, tpl in TEXTS.items()
        for i in range(per_class)
    ]


def test_read_feedback_skips_bad_lines(tmp_path):
    path = tmp_path / "feedback.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(
                    {"text": "营业执照 统一社会信用代码", "doc_type": "business_license"},
                    ensure_ascii=False,
                ),
                "not json",
                json.dumps({"text": "x", "doc_type": "unknown_type"}),
                json.dumps({"text": "   ", "doc_type": "invoice"}),
                "",
            ]
        ),
        encoding="utf-8",
    )
    samples = read_feedback(path)
    assert [(s.doc_type, s.text) for s in samples] == [
        ("business_license", "营业执照 统一社会信用代码")
    ]
    assert samples[0].features == {}


def test_expand_adds_augmented_copies_and_text_only_rows():
    samples = make_samples(2)
    texts, feats, labels, groups = expand(samples, 3, random.Random(1))
    assert len(texts) == len(samples) * 4
    assert labels.count("invoice") == 8 and len(set(groups)) == len(samples)
    assert any(f is None for f in feats) and any(f for f in feats)


def test_accuracy_with_threshold_turns_unsure_rows_into_other():
    probs = np.array([[0.9, 0.1], [0.55, 0.45]])
    classes, labels = ["invoice", "other"], ["invoice", "other"]
    assert accuracy_with_threshold(probs, classes, labels, 0.5) == 0.5
    assert accuracy_with_threshold(probs, classes, labels, 0.6) == 1.0


def test_choose_threshold_comes_from_the_grid():
    threshold, scores = choose_threshold(make_samples(), copies=1, seed=3)
    assert threshold in THRESHOLD_GRID
    assert set(scores) == {str(t) for t in THRESHOLD_GRID}
    assert scores[str(threshold)] >= max(scores.values()) - 0.005


def test_data_hash_depends_on_content():
    samples = make_samples(2)
    assert data_hash(samples) == data_hash(list(samples))
    assert data_hash(samples) != data_hash(samples[:-1])


def test_samples_round_trip(tmp_path):
    samples = make_samples(1)
    save_samples(samples, tmp_path / "s.jsonl")
    assert load_samples(tmp_path / "s.jsonl") == samples


@pytest.mark.slow
def test_tiny_training_run_writes_a_loadable_model(tmp_path):
    feedback = tmp_path / "fb.jsonl"
    feedback.write_text(
        json.dumps(
            {"text": "不动产权证书 权利人 共有情况", "doc_type": "other"}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "model.joblib"
    code = main(
        [
            "--per-class",
            "1",
            "--heldout-per-class",
            "1",
            "--augment",
            "1",
            "--workers",
            "2",
            "--calibration-per-class",
            "2",
            "--capture",
            "clean",
            "--out",
            str(out),
            "--feedback",
            str(feedback),
            "--samples-dir",
            str(tmp_path / "samples"),
        ]
    )
    assert code == 0
    clf = DocumentClassifier.load(out)
    assert clf is not None and sorted(clf.classes) == sorted(DOC_TYPES)
    metrics = json.loads((tmp_path / "model.metrics.json").read_text(encoding="utf-8"))
    assert metrics["training_documents"] == len(DOC_TYPES) + 3
    assert metrics["heldout"]["documents"] == len(DOC_TYPES)
    assert set(metrics["heldout"]["per_class"]) == set(DOC_TYPES)
    assert "ece" in metrics["heldout_reliability_uncalibrated"]
    if clf.calibrator is not None:  # every class had a readable calibration document
        assert metrics["calibration"]["documents"] == 2 * len(DOC_TYPES)
        assert "ece" in metrics["heldout_reliability"]
