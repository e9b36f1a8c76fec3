"""Production-style serving for the embedded set-up: waitress + scheduler + job recovery."""

from __future__ import annotations

import logging

from waitress import serve as waitress_serve

log = logging.getLogger(__name__)


def run(app, host: str = "127.0.0.1", port: int = 5000) -> None:
    """Start background services that belong to this process, then serve HTTP."""
    from app.jobs.queue import runner_for
    from app.services.scheduler import start_background_loop

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not app.config.get("REDIS_URL"):
        with app.app_context():
            recovered = runner_for(app).recover()
        if recovered:
            log.info("re-dispatched %d unfinished job(s)", recovered)
        start_background_loop(app)
    print(f"OneWindow is serving on http://{host}:{port}/", flush=True)
    waitress_serve(app, host=host, port=port, **waitress_options(app))


def waitress_options(app) -> dict:
    """Waitress settings. Its own body limit is above the app's MAX_CONTENT_LENGTH, so a
    somewhat too large upload (the usual case: a big phone photo) reaches the app and gets
    its translated "file too large" page; only absurd sizes meet waitress's plain refusal."""
    return {"threads": 8, "max_request_body_size": 4 * app.config["MAX_CONTENT_LENGTH"]}
