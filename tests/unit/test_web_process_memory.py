"""What a web process holds: the libraries only background work needs stay out of it (each
gunicorn worker is a process of its own: every MB counts once per worker), and password
checks run a bounded number at a time (each holds 19 MiB while it runs)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WEB_PROCESS = """
import sys
from app import create_app
app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:///{db}", UPLOAD_DIR="{up}")
client = app.test_client()
assert client.get("/").status_code == 200
assert client.get("/login").status_code == 200
print(" ".join(m for m in ("numpy", "scipy", "zxcvbn") if m in sys.modules))
"""


def test_a_web_process_serving_pages_has_not_imported_the_ocr_pipeline_or_zxcvbn(tmp_path):
    code = WEB_PROCESS.format(db=tmp_path / "t.sqlite3", up=tmp_path / "uploads")
    migrate = (
        "from app import create_app\nfrom flask_migrate import upgrade\n"
        f'app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:///{tmp_path / "t.sqlite3"}",'
        f' UPLOAD_DIR="{tmp_path / "uploads"}")\nwith app.app_context(): upgrade()\n'
    )
    env_run = dict(cwd=ROOT, capture_output=True, text=True, timeout=120)
    subprocess.run([sys.executable, "-c", migrate], check=True, **env_run)
    done = subprocess.run([sys.executable, "-c", code], **env_run)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1:] in ([], [""])


def test_the_pipeline_is_still_there_when_asked_for():
    from ml import ocr
    from ml.ocr import pipeline

    assert ocr.run_ocr is pipeline.run_ocr and ocr.ocr_page_image is pipeline.ocr_page_image


def test_password_checks_run_at_most_one_per_core_at_once_and_all_answer(monkeypatch):
    from app.services import passwords

    running, most = [0], [0]
    lock = threading.Lock()

    class Slow:
        def verify(self, stored, password):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
            return stored == password

    monkeypatch.setattr(passwords, "_hasher", lambda: Slow())
    answers = []
    threads = [
        threading.Thread(target=lambda i=i: answers.append(passwords.verify_password(str(i), "3")))
        for i in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [False] * 11 + [True]
    assert 1 <= most[0] <= passwords._AT_ONCE._initial_value
