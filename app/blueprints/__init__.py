"""Blueprints: thin views that parse a request, call a service and render."""

from __future__ import annotations


def register_blueprints(app) -> None:
    """Register every blueprint and the error pages."""
    from app.blueprints import (
        account,
        admin,
        audit,
        auth,
        case_clock,
        cases_admin,
        certificates,
        clerk,
        companies,
        db_errors,
        errors,
        files,
        notices,
        notifications,
        ops,
        people,
        portal,
        privacy,
        processes,
        public,
        services_admin,
        substitutes,
    )

    ops.register(app)  # first: its timer starts before any other hook runs
    app.register_blueprint(ops.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(clerk.bp, url_prefix="/clerk")
    app.register_blueprint(case_clock.bp, url_prefix="/clerk")
    app.register_blueprint(privacy.bp, url_prefix="/clerk")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(processes.bp, url_prefix="/admin/processes")
    app.register_blueprint(people.bp, url_prefix="/admin")
    app.register_blueprint(cases_admin.bp, url_prefix="/admin")
    app.register_blueprint(services_admin.bp, url_prefix="/admin/services")
    app.register_blueprint(files.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(companies.bp)
    app.register_blueprint(notifications.bp, url_prefix="/notifications")
    app.register_blueprint(account.bp, url_prefix="/account")
    app.register_blueprint(audit.bp, url_prefix="/audit")
    app.register_blueprint(notices.bp)
    app.register_blueprint(public.bp)
    from app.blueprints import api

    api.register(app)
    app.register_blueprint(substitutes.bp)
    errors.register(app)
    db_errors.register(app)
    from app.blueprints import context

    context.register(app)
    privacy.register(app)
