"""Tests of the ``python -m ml`` command line (review contract and dispatch)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ml import cli
from tests.fixtures.ml.documents import make_id_number, render_id_card

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def card(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "card.png"
    number = make_id_number("32010219951001255")
    render_id_card(name="谢晨艳", id_number=number, sex="男", birth="1995年10月1日").save(path)
    return path, number


def run_cli(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_review_prints_one_json_line_per_file(card, tmp_path, capsys):
    path, number = card
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    code, out, _ = run_cli(
        [
            "review",
            str(path),
            str(empty),
            "--expect",
            "id_card_front",
            "--applicant",
            json.dumps({"name": "谢晨艳", "id_number": number}),
        ],
        capsys,
    )
    assert code == 0
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert len(lines) == 2
    assert set(lines[0]) == set(cli.REVIEW_KEYS)
    assert lines[0]["file"] == str(path)
    assert lines[0]["fields"]["id_number"]["value"] == number
    for record in lines[0]["fields"].values():  # what --help and the README promise
        assert set(record) == {"value", "text", "page", "box"}
    assert lines[1]["verdict"] == "attention"
    assert lines[1]["reasons"][0]["code"] == "unreadable"


def test_review_rejects_bad_arguments(card, capsys):
    path, _ = card
    assert run_cli(["review", str(path), "--applicant", "{not json"], capsys)[0] == 2
    assert run_cli(["review", str(path), "--applicant", "[1, 2]"], capsys)[0] == 2
    assert run_cli(["review", str(path), "--engine", "nope"], capsys)[0] == 2
    with pytest.raises(SystemExit):
        cli.main(["review", str(path), "--expect", "not_a_type"])


def test_unknown_command_and_help(capsys):
    assert run_cli(["frobnicate"], capsys)[0] == 2
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0 and "review FILE" in out
    assert '{"value", "text", "page", "box"}' in out
    with pytest.raises(SystemExit):
        cli.main(["review", "--help"])
    assert '{"value":' in capsys.readouterr().out.replace("\n", " ")


def test_dispatch_to_model_commands(monkeypatch):
    seen = {}
    import ml.evaluate
    import ml.train

    monkeypatch.setattr(ml.train, "main", lambda argv: seen.setdefault("train", argv) and 0)
    monkeypatch.setattr(ml.evaluate, "main", lambda argv: seen.setdefault("evaluate", argv) and 0)
    assert cli.main(["train", "--quick"]) == 0
    assert cli.main(["evaluate", "some/dir"]) == 0
    assert seen == {"train": ["--quick"], "evaluate": ["some/dir"]}


def test_python_dash_m_entry_point(card):
    path, _ = card
    proc = subprocess.run(
        [sys.executable, "-m", "ml", "review", str(path), "--full"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["pages"][0]["words"] and "text" in payload
