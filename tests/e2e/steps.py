"""Steps a person takes in the browser, shared by the browser tests."""

from __future__ import annotations

DEMO_PASSWORD = "Demo12345"


def login(page, base: str, user: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form."""
    page.goto(f"{base}/login")
    page.fill("#login", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
