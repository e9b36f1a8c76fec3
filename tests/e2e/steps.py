"""Steps a person takes in the browser, and the watch kept on what the browser reports,
shared by the browser tests."""

from __future__ import annotations

DEMO_PASSWORD = "Demo12345"


def watch_errors(context, errors: list[str] | None = None) -> list[str]:
    """Collect what goes wrong in every page of a browser `context`: console errors and
    uncaught exceptions ("uncaught: ..."), 300 characters each. Returns the list they are
    added to as they come (`errors`, when given: one list can watch several contexts)."""
    found: list[str] = [] if errors is None else errors
    context.on("console", lambda m: m.type == "error" and found.append(m.text[:300]))
    context.on("weberror", lambda e: found.append(f"uncaught: {e.error}"[:300]))
    return found


def login(page, base: str, user: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form."""
    page.goto(f"{base}/login")
    page.fill("#login", user)
    page.fill("#password", password)
    page.click("button[type=submit]")


def add_department(page, base: str, code: str, name_zh: str, name_en: str, parent_id=None):
    """An administrator adds a department (a division of `parent_id`, if given)."""
    page.goto(f"{base}/admin/departments")
    page.fill("#code", code)
    page.fill("#name_zh", name_zh)
    page.fill("#name_en", name_en)
    if parent_id is not None:
        page.select_option("#parent_id", str(parent_id))
    page.click("#department-form button")
    page.wait_for_selector(f"tr[data-code='{code}']")


def add_clerk(page, base: str, username: str, real_name: str, department_id, password: str):
    """An administrator adds a clerk of a department, with a temporary password."""
    page.goto(f"{base}/admin/users")
    page.fill("#username", username)
    page.fill("#real_name", real_name)
    page.select_option("#role", "clerk")
    page.select_option("#department", str(department_id))
    page.fill("#password", password)
    page.click("#user-form button")
    page.wait_for_selector(f"tr[data-username='{username}']")


def choose_own_password(page, temporary: str, own: str) -> None:
    """On the forced password change after a first log-in: the temporary one, then one's own."""
    page.wait_for_selector("#password-form")
    page.fill("#current_password", temporary)
    page.fill("#new_password", own)
    page.fill("#confirm_password", own)
    page.click("#password-form button[type=submit]")
    page.wait_for_load_state()
