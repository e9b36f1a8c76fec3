"""The Chinese catalogue is complete and its placeholders match; English falls back to msgids."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2] / "app" / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%\([a-z_]+\)\.\d+f|\{[a-z_]+\}")


def _catalog(locale):
    with open(ROOT / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def test_every_ui_string_has_a_chinese_translation():
    with open(ROOT / "messages.pot", "rb") as fh:
        template = read_po(fh)
    zh = _catalog("zh")
    missing = [m.id for m in template if m.id and not (zh.get(m.id) and zh.get(m.id).string)]
    assert missing == []
    fuzzy = [m.id for m in zh if m.id and m.fuzzy]
    assert fuzzy == []


def test_placeholders_survive_translation():
    zh = _catalog("zh")
    for message in zh:
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    """`make messages` was run after the last UI text change (else strings go untranslated).

    The extraction is the Makefile's: from the repository root, with babel.cfg naming the
    app's sources and the labels declared in ml (document types, validators)."""
    import subprocess
    import sys

    out = tmp_path / "fresh.pot"
    root = ROOT.parents[1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "_l",
            "--ignore-dirs",
            ".* ._ node_modules",
            "-o",
            str(out),
            ".",
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )
    with open(out, "rb") as fh:
        fresh = {m.id for m in read_po(fh) if m.id}
    with open(ROOT / "messages.pot", "rb") as fh:
        committed = {m.id for m in read_po(fh) if m.id}
    assert fresh - committed == set()
