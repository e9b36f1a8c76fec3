"""The application the benchmarks measure (a migrated database with the demo departments,
staff and services), how they time one of its pages, and the p95 they print (shared by this
folder's scripts)."""

from __future__ import annotations


def make_app(url: str, upload_dir: str):
    """The app on the database at `url`, migrated and loaded with the demo data."""
    from flask_migrate import upgrade

    from app import create_app
    from app.config import Config
    from app.extensions import db
    from app.services.demo import load_demo_data

    # The testing configuration keeps no reference data (a test edits it and reads it back
    # at once); a benchmark measures the product as deployed, which keeps it for a while.
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        UPLOAD_DIR=upload_dir,
        CATALOGUE_CACHE_SECONDS=Config.CATALOGUE_CACHE_SECONDS,
    )
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.remove()
    return app


def time_page(app, client, url: str, requests: int) -> tuple[list[float], int, str]:
    """`url` fetched `requests` times after a warm-up: the times (ms), the SQL statements one
    more fetch issues, and that fetch's body. A page that does not answer 200 stops the run."""
    import time

    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    client.get(url)  # warm caches
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200, (url, resp.status_code)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.get(url).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return times, len(statements), body


def p95(times: list[float]) -> float:
    """The 95th percentile of `times` (nearest rank)."""
    ranked = sorted(times)
    return ranked[max(0, int(len(ranked) * 0.95) - 1)]
