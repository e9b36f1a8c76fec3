"""Role checks for views: every view says who may use it."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.models import Role


def role_required(*roles: Role):
    """Allow only logged-in users with one of `roles`; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


citizen_required = role_required(Role.CITIZEN)
clerk_required = role_required(Role.CLERK)
admin_required = role_required(Role.ADMIN)
auditor_required = role_required(Role.AUDITOR)
