"""The administrators' people pages (issue 13): departments as an editable tree, staff
accounts created, edited, deactivated and imported from CSV, a password reset that forces
a change at the next log-in, every change audited."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditRecord, Department, Role, User

NEW_PASSWORD = "Pine7cone!river"
TEMP_PASSWORD = "Temp4grape!moss"


def _audits(app, object_type: str) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(
            db.select(AuditRecord)
            .where(AuditRecord.object_type == object_type, AuditRecord.action == "admin_change")
            .order_by(AuditRecord.seq)
        ).scalars()
        return [dict(r.details or {}, object_id=r.object_id, actor=r.actor_username) for r in rows]


def _dept(app, code: str):
    with app.app_context():
        d = db.session.execute(db.select(Department).where(Department.code == code)).scalar()
        return None if d is None else (d.id, d.name_zh, d.parent_id, d.active)


def _user(app, username: str):
    with app.app_context():
        return db.session.execute(db.select(User).where(User.username == username)).scalar()


def test_the_pages_answer_admins_only(client):
    for url in ("/admin/users", "/admin/departments", "/admin/roles"):
        assert client.get(url).status_code in (302, 401)
    client.login("clerk_tax")
    assert client.get("/admin/users").status_code == 403
    client.logout()
    client.login("admin")
    for url in ("/admin/users", "/admin/departments", "/admin/roles"):
        assert client.get(url).status_code == 200, url
    assert "auditor" in client.get("/admin/roles").get_data(as_text=True)


def test_department_tree_create_rename_move_deactivate_audited(app, client):
    client.login("admin")
    tax_id = _dept(app, "tax")[0]
    resp = client.post(
        "/admin/departments",
        {
            "code": "tax_audit",
            "name_zh": "稽查科",
            "name_en": "Audit Division",
            "parent_id": tax_id,
        },
    )
    assert resp.status_code == 302
    new_id, name, parent, active = _dept(app, "tax_audit")
    assert (name, parent, active) == ("稽查科", tax_id, True)
    page = client.get("/admin/departments").get_data(as_text=True)
    assert page.index('data-code="tax"') < page.index('data-code="tax_audit"')

    # the same code again, a bad code, an empty name: refused with every reason, nothing made
    resp = client.post(
        "/admin/departments", {"code": "Tax Audit", "name_zh": "", "name_en": "x", "parent_id": ""}
    )
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "lower-case" in body or "小写" in body
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Department.id))).scalar() == 7

    # rename and move under another bureau; a cycle is refused
    hf_id = _dept(app, "housing_fund")[0]
    resp = client.post(
        f"/admin/departments/{new_id}",
        {"name_zh": "税务稽查科", "name_en": "Tax Audit Division", "parent_id": hf_id},
    )
    assert resp.status_code == 302
    assert _dept(app, "tax_audit")[1:3] == ("税务稽查科", hf_id)
    resp = client.post(
        f"/admin/departments/{hf_id}",
        {"name_zh": "住房公积金管理中心", "name_en": "Housing", "parent_id": new_id},
    )
    assert resp.status_code == 400
    assert _dept(app, "housing_fund")[2] is None

    client.post(f"/admin/departments/{new_id}", {"action": "deactivate"})
    assert _dept(app, "tax_audit")[3] is False
    changes = [a["change"] for a in _audits(app, "department")]
    assert changes == ["create", "update", "deactivate"]
    assert all(a["actor"] == "admin" for a in _audits(app, "department"))


def test_new_clerk_must_change_the_temporary_password_first(app, client, make_client):
    client.login("admin")
    tax_id = _dept(app, "tax")[0]
    resp = client.post(
        "/admin/users",
        {
            "username": "clerk_new",
            "real_name": "王小明",
            "role": "lead",
            "department": tax_id,
            "password": TEMP_PASSWORD,
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    user = _user(app, "clerk_new")
    assert (user.role, user.is_lead, user.department_id) == (Role.CLERK, True, tax_id)
    assert user.must_change_password

    clerk = make_client()
    clerk.login("clerk_new", TEMP_PASSWORD)
    resp = clerk.get("/clerk/")
    assert resp.status_code == 302 and "/account" in resp.headers["Location"]
    assert clerk.get(resp.headers["Location"]).status_code == 200  # the change-password form
    resp = clerk.post(
        "/account/password",
        {
            "current_password": TEMP_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert resp.status_code == 302
    assert clerk.get("/clerk/").status_code == 200
    assert not _user(app, "clerk_new").must_change_password
    audit = _audits(app, "user")
    assert audit[0]["change"] == "create" and audit[0]["role"] == "lead"
    assert "password" not in audit[0]


def test_password_reset_ends_sessions_and_forces_a_change(app, client, make_client):
    clerk = make_client()
    clerk.login("clerk_tax")
    assert clerk.get("/clerk/").status_code == 200
    client.login("admin")
    uid = _user(app, "clerk_tax").id
    resp = client.post(f"/admin/users/{uid}", {"action": "reset_password", "password": "short"})
    assert resp.status_code == 400  # a weak temporary password is refused
    resp = client.post(
        f"/admin/users/{uid}", {"action": "reset_password", "password": TEMP_PASSWORD}
    )
    assert resp.status_code == 302
    assert clerk.get("/clerk/").status_code in (302, 401)  # the old session ended
    assert "/login" in clerk.get("/clerk/").headers["Location"]
    clerk.login("clerk_tax", TEMP_PASSWORD)
    assert "/account" in clerk.get("/clerk/").headers["Location"]
    assert _audits(app, "user")[-1]["change"] == "reset_password"


def test_deactivated_staff_cannot_log_in_and_are_kept(app, client, make_client):
    clerk = make_client()
    clerk.login("clerk_tax")
    client.login("admin")
    uid = _user(app, "clerk_tax").id
    assert client.post(f"/admin/users/{uid}", {"action": "deactivate"}).status_code == 302
    assert clerk.get("/clerk/").status_code in (302, 401)
    clerk.get("/login")
    resp = clerk.post("/login", {"login": "clerk_tax", "password": "Demo12345"})
    assert resp.status_code == 401
    assert _user(app, "clerk_tax") is not None  # kept, only inactive
    # an admin cannot lock themselves out
    me = _user(app, "admin").id
    assert client.post(f"/admin/users/{me}", {"action": "deactivate"}).status_code == 409
    assert _user(app, "admin").active
    client.post(f"/admin/users/{uid}", {"action": "activate"})
    assert _user(app, "clerk_tax").active
    assert [a["change"] for a in _audits(app, "user")] == ["deactivate", "activate"]


def test_edit_changes_role_and_department(app, client):
    client.login("admin")
    uid = _user(app, "clerk_tax").id
    hf = _dept(app, "housing_fund")[0]
    resp = client.post(
        f"/admin/users/{uid}",
        {"action": "save", "real_name": "税务审批员", "role": "auditor", "department": hf},
    )
    assert resp.status_code == 302
    user = _user(app, "clerk_tax")
    assert (user.role, user.department_id) == (Role.AUDITOR, hf)
    # a clerk needs a department
    resp = client.post(
        f"/admin/users/{uid}",
        {"action": "save", "real_name": "税务审批员", "role": "clerk", "department": ""},
    )
    assert resp.status_code == 400
    assert _user(app, "clerk_tax").role == Role.AUDITOR


def _csv(rows: list[str]) -> dict:
    import io

    body = "username,real_name,role,department,password\n" + "\n".join(rows) + "\n"
    return {"file": (io.BytesIO(body.encode("utf-8")), "staff.csv")}


def test_csv_import_all_or_nothing_with_a_per_row_report(app, client):
    client.login("admin")
    bad = [
        f"imp_one,张三,clerk,tax,{TEMP_PASSWORD}",
        f"imp_two,李四,boss,tax,{TEMP_PASSWORD}",  # unknown role
        f"imp_three,王五,clerk,nowhere,{TEMP_PASSWORD}",  # unknown department
        f"imp_one,赵六,auditor,,{TEMP_PASSWORD}",  # twice in the file
        "imp_four,钱七,admin,,123",  # weak password
    ]
    resp = client.post("/admin/users/import", data=_csv(bad), content_type="multipart/form-data")
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    for line in (3, 4, 5, 6):
        assert f'data-line="{line}"' in body, line
    assert 'data-line="2"' not in body
    assert _user(app, "imp_one") is None  # nothing imported

    good = [f"imp_one,张三,clerk,tax,{TEMP_PASSWORD}", f"imp_two,李四,lead,tax,{TEMP_PASSWORD}"]
    resp = client.post("/admin/users/import", data=_csv(good), content_type="multipart/form-data")
    assert resp.status_code == 302
    one, two = _user(app, "imp_one"), _user(app, "imp_two")
    assert one.must_change_password and two.is_lead and not one.is_lead
    assert _audits(app, "user")[-1]["usernames"] == ["imp_one", "imp_two"]
