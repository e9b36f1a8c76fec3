"""What the modeler's check-as-you-edit costs the server: milliseconds of one deploy check
without deploying (processes.validate_edit, what POST .../validate runs after each pause in
editing) on every shipped diagram, next to the modeler's 500 ms pause. Prints figures;
asserts nothing.

    .venv/bin/python benchmarks/modeler_check.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PAUSE_MS = 500  # app/static/js/modeler.js: the check runs this long after the last change


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat

    from demo_app import make_app

    from app.extensions import db
    from app.models import ProcessVersion
    from app.services import processes

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/check.db", f"{tmp}/uploads")
        with app.test_request_context():
            current = db.session.execute(
                db.select(ProcessVersion)
                .where(ProcessVersion.is_current.is_(True))
                .order_by(ProcessVersion.process_id)
            ).scalars()
            print(f"{'process':28s} {'XML KB':>7s} {'ms median':>10s} {'max':>8s} {'issues':>7s}")
            medians = []
            for version in current:
                xml = version.source_files[processes.main_file(version)]
                samples, issues = [], []
                for _ in range(repeat):
                    start = time.perf_counter()
                    issues = processes.validate_edit(version, xml)
                    samples.append((time.perf_counter() - start) * 1000)
                median = statistics.median(samples)
                medians.append(median)
                print(
                    f"{version.process_id:28s} {len(xml.encode()) / 1024:7.1f} "
                    f"{median:10.1f} {max(samples):8.1f} {len(issues):7d}"
                )
            print(
                f"slowest median {max(medians):.1f} ms against the modeler's {PAUSE_MS} ms pause: "
                f"at most {max(medians) / PAUSE_MS:.0%} of one CPU per admin editing non-stop"
            )


if __name__ == "__main__":
    main()
