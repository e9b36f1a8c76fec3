"""Tests of the evaluation command (ml.evaluate)."""

from __future__ import annotations

import json

import pytest

from ml import evaluate
from ml.synthetic.cli import write_dataset


@pytest.fixture()
def labelled_dir(tmp_path):
    manifest = [
        {
            "file": "a.png",
            "doc_type": "invoice",
            "fields": {"total": "10.00", "issue_date": "2021-03-05"},
        },
        {"file": "b.png", "doc_type": "invoice", "fields": {"total": "20.00"}},
        {"file": "c.png", "doc_type": "passport", "fields": {"passport_number": "E12345678"}},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


def fake_review(path: str) -> dict:
    name = path.rsplit("/", 1)[-1]
    return {
        "a.png": {"doc_type": "invoice", "fields": {"total": "10.00", "issue_date": "2021-03-06"}},
        "b.png": {"doc_type": "other", "fields": {}},
        "c.png": {
            "doc_type": "passport",
            "fields": {"passport_number": {"value": "E12345678", "box": None}},
        },
    }[name] | {"seconds": 0.5}


def test_evaluate_dir_counts_accuracy_confusion_and_fields(labelled_dir, monkeypatch):
    monkeypatch.setattr(evaluate, "_review_one", fake_review)
    metrics = evaluate.evaluate_dir(labelled_dir, workers=1)
    assert metrics["documents"] == 3 and metrics["accuracy"] == round(2 / 3, 4)
    assert metrics["per_class"] == {"invoice": 0.5, "passport": 1.0}
    assert metrics["confusion"]["invoice"]["other"] == 1
    assert metrics["field_exact_match"]["total"] == {"matched": 1, "total": 2, "rate": 0.5}
    assert metrics["field_exact_match"]["issue_date"]["matched"] == 0
    assert (
        metrics["field_exact_match"]["passport_number"]["matched"] == 1
    )  # review's {"value": ...} form
    assert metrics["errors"] == [{"file": "b.png", "doc_type": "invoice", "predicted": "other"}]
    report = evaluate.format_report(metrics)
    assert "confusion matrix" in report and "passport_number" in report


def test_main_json_and_missing_manifest(labelled_dir, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(evaluate, "_review_one", fake_review)
    assert evaluate.main([str(labelled_dir), "--json", "--workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 3
    assert evaluate.main([str(tmp_path / "nowhere")]) == 2


@pytest.mark.slow
def test_evaluate_real_pipeline_on_synthetic_documents(tmp_path):
    write_dataset(
        tmp_path,
        1,
        heldout=True,
        seed=9,
        capture="clean",
        types=["id_card_front", "lease_contract"],
    )
    metrics = evaluate.evaluate_dir(tmp_path, workers=1)
    assert metrics["documents"] == 2
    assert set(metrics["per_class"]) == {"id_card_front", "lease_contract"}
    assert "id_number" in metrics["field_exact_match"]
