"""Tests of the document classifier (ml.classify): features, predict, save/load, abstention."""

from __future__ import annotations

import random

import joblib
import pytest
from PIL import Image

from ml.classify import (
    DEFAULT_MODEL_PATH,
    FORMAT_VERSION,
    IMAGE_FEATURE_NAMES,
    DocumentClassifier,
    image_features,
    normalize_text,
)
from ml.doctypes import DOC_TYPES
from ml.synthetic import render
from ml.train import fit_classifier

TEMPLATES = {
    "id_card_front": (
        "姓名{n} 性别男 民族汉 出生1990年3月5日 住址北京市东城区人民路{d}号 "
        "公民身份号码1101011990030{d}"
    ),
    "invoice": (
        "增值税普通发票 发票代码{d} 发票号码{d} 开票日期2021年03月05日 价税合计（小写）¥{d}.00"
    ),
    "lease_contract": (
        "房屋租赁合同 出租方（甲方）：{n} 承租方（乙方）：王伟 房屋地址：上海市 "
        "月租金人民币{d}.00元"
    ),
    "other": "今天天气晴朗，{n}在公园散步，菜单上有宫保鸡丁{d}元。",
}


def tiny_training_set(rng: random.Random):
    texts, feats, labels = [], [], []
    for doc_type, template in TEMPLATES.items():
        for _ in range(12):
            texts.append(
                template.format(
                    n=rng.choice(["张三", "李四", "赵敏", "周杰"]), d=rng.randint(100, 99999)
                )
            )
            feats.append(
                {name: rng.random() for name in IMAGE_FEATURE_NAMES} if rng.random() < 0.5 else None
            )
            labels.append(doc_type)
    return texts, feats, labels


@pytest.fixture(scope="module")
def tiny_classifier():
    texts, feats, labels = tiny_training_set(random.Random(1))
    return fit_classifier(texts, feats, labels, threshold=0.5, metadata={"note": "tiny"})


def test_normalize_text_removes_spaces_and_masks_digits():
    assert normalize_text(" 发票 号码 : 0123\n45 AB") == "发票号码:000000ab"


def test_image_features_are_bounded():
    """(Their cost is measured by benchmarks/classify_speed.py, not asserted here.)"""
    image, _ = render("business_license", random.Random(2))
    feats = image_features(image)
    assert set(feats) == set(IMAGE_FEATURE_NAMES)
    assert 0.5 < feats["aspect"] < 0.9  # portrait A4
    assert all(0.0 <= feats[k] <= 1.0 for k in IMAGE_FEATURE_NAMES if k != "aspect")
    assert feats["red_fraction"] > 0.0  # the red stamp
    blank = image_features(Image.new("RGB", (800, 400), "white"))
    assert blank["ink_density"] == 0.0 and blank["aspect"] == 2.0


def test_tiny_classifier_predicts_the_right_types(tiny_classifier):
    pred = tiny_classifier.predict("发票代码 1234 发票号码 5678 价税合计 ¥100.00")
    assert pred.doc_type == "invoice"
    assert set(pred.probabilities) == set(TEMPLATES)
    assert abs(sum(pred.probabilities.values()) - 1.0) < 0.01
    assert tiny_classifier.predict("出租方 承租方 月租金", None).doc_type == "lease_contract"


def test_abstains_below_threshold(tiny_classifier):
    strict = DocumentClassifier(
        tiny_classifier.vectorizer,
        tiny_classifier.model,
        feature_mean=tiny_classifier.feature_mean,
        feature_scale=tiny_classifier.feature_scale,
        threshold=0.999,
    )
    pred = strict.predict("发票")
    assert pred.doc_type == "other" and pred.abstained and pred.confidence < 0.999


def test_save_load_round_trip(tiny_classifier, tmp_path):
    path = tiny_classifier.save(tmp_path / "model.joblib")
    loaded = DocumentClassifier.load(path)
    assert loaded is not None
    assert loaded.classes == tiny_classifier.classes and loaded.threshold == 0.5
    assert loaded.metadata["note"] == "tiny"
    text = "姓名张三 公民身份号码 110101199003051234"
    assert loaded.predict(text).probabilities == tiny_classifier.predict(text).probabilities


def test_missing_or_incompatible_artifacts_give_none(tiny_classifier, tmp_path):
    assert DocumentClassifier.load(tmp_path / "absent.joblib") is None
    (tmp_path / "garbage.joblib").write_bytes(b"not a pickle at all")
    assert DocumentClassifier.load(tmp_path / "garbage.joblib") is None
    artifact = tiny_classifier.to_artifact()
    for key, value in (
        ("format_version", FORMAT_VERSION + 1),
        ("sklearn_version", "0.20.0"),
        ("feature_names", ["aspect"]),
        ("classes", ["martian_visa"]),
    ):
        broken = dict(artifact, **{key: value})
        joblib.dump(broken, tmp_path / f"{key}.joblib")
        assert DocumentClassifier.load(tmp_path / f"{key}.joblib") is None, key
    joblib.dump(["a", "list"], tmp_path / "list.joblib")
    assert DocumentClassifier.load(tmp_path / "list.joblib") is None


@pytest.fixture(scope="module")
def committed():
    clf = DocumentClassifier.load(DEFAULT_MODEL_PATH)
    if clf is None:
        pytest.skip("no committed model (run python -m ml train)")
    return clf


def test_committed_model_metadata(committed):
    assert sorted(committed.classes) == sorted(DOC_TYPES)
    assert 0.0 < committed.threshold < 1.0
    assert len(committed.metadata["training_data_hash"]) == 64
    assert DEFAULT_MODEL_PATH.stat().st_size < 8_000_000


def test_committed_model_abstains_on_junk(committed):
    for junk in [
        "",
        "qwzx vbnm 7@#",
        "||| ~~ -- ..",
        "The quick brown fox jumps over the lazy dog.",
    ]:
        assert committed.predict(junk).doc_type == "other", junk


def test_committed_model_on_clean_texts(committed):
    assert (
        committed.predict(
            "中华人民共和国 居民身份证 签发机关 北京市公安局东城分局 有效期限 2015.03.05-2035.03.05"
        ).doc_type
        == "id_card_back"
    )
    assert (
        committed.predict(
            "营业执照 统一社会信用代码 91350100M000100Y43 名称 厦门某某科技有限公司 "
            "法定代表人 张三 成立日期 2015年03月05日"
        ).doc_type
        == "business_license"
    )


def test_abstains_when_ocr_found_almost_no_text(tiny_classifier):
    lenient = DocumentClassifier(
        tiny_classifier.vectorizer,
        tiny_classifier.model,
        feature_mean=tiny_classifier.feature_mean,
        feature_scale=tiny_classifier.feature_scale,
        threshold=0.0,
    )
    feats = dict.fromkeys(IMAGE_FEATURE_NAMES, 0.5)
    short = lenient.predict("发票 代码", feats)
    assert short.doc_type == "other" and short.abstained
    assert lenient.predict("发票代码 发票号码 价税合计", feats).doc_type == "invoice"
    assert [p.doc_type for p in lenient.predict_many(["", "发票代码 发票号码 价税合计"])] == [
        "other",
        "invoice",
    ]
