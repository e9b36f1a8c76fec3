"""The application the benchmarks measure: a migrated database with the demo departments,
staff and services (shared by the benchmark scripts of this folder)."""

from __future__ import annotations


def make_app(url: str, upload_dir: str):
    """The app on the database at `url`, migrated and loaded with the demo data."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services.demo import load_demo_data

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=upload_dir)
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.remove()
    return app
