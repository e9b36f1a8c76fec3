"""Version migration of running instances: allowed diffs move, unsafe ones are refused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from wf_helpers import WORKFLOWS, accept_intake, deploy_files, intake_data, reload

from app.workflow.engine import MigrationRefused, WorkflowHandle, migrate_state

BR = (WORKFLOWS / "business_registration.bpmn").read_bytes()


def _deploy(operators, source: bytes, **kwargs):
    return deploy_files({"process.bpmn": source}, operators, **kwargs)


def _at_reviews(bundle, operators) -> WorkflowHandle:
    handle = WorkflowHandle.start(
        bundle.spec_json, intake_data({"case_number": "M-1"}), operators=operators
    )
    handle.complete_service_call(handle.pending_service_calls()[0].task_id, {"verdict": "pass"})
    handle = accept_intake(handle, bundle.spec_json, operators)
    handle = reload(handle, bundle.spec_json, operators)
    assert len(handle.ready_user_tasks()) == 3
    return handle


def _approve_all(handle, spec_json, operators):
    while handle.ready_user_tasks():
        handle.complete_user_task(handle.ready_user_tasks()[0].task_id, {"approved": True})
        handle = reload(handle, spec_json, operators)
    return handle


def test_renaming_a_later_task_is_allowed(operators, calls):
    v1 = _deploy(operators, BR)
    v2 = _deploy(
        operators,
        BR.replace(
            "发放营业执照 Issue certificate".encode(), "发放电子营业执照 Issue e-licence".encode()
        ),
    )
    handle = _at_reviews(v1, operators)
    first = handle.ready_user_tasks()[0]
    handle.complete_user_task(first.task_id, {"approved": True, "comment": "ok"})
    plan = handle.migration_plan(v2.spec_json)
    assert plan.allowed and plan.changed_elements == ["task_issue_certificate"]
    waiting = {t.task_id for t in handle.ready_user_tasks()}
    handle.migrate(v2.spec_json)
    handle = reload(handle, v2.spec_json, operators)  # state now belongs to v2
    assert {t.task_id for t in handle.ready_user_tasks()} == waiting  # queue rows stay valid
    assert handle.data[f"{first.lane}_approved"] is True  # completed work is kept
    handle = _approve_all(handle, v2.spec_json, operators)
    assert handle.is_completed() and "end_approved" in handle.completed_element_ids()
    assert handle.data["decision"] == "approved"  # said, not inferred
    done = handle.workflow.get_tasks(spec_name="task_issue_certificate")
    assert done[0].task_spec.bpmn_name == "发放电子营业执照 Issue e-licence"
    assert len(calls.certificates) == 1


def test_removing_the_current_task_is_refused(operators):
    v1 = _deploy(operators, BR)
    removed = (
        BR.replace(b"<bpmn:flowNodeRef>review_tax</bpmn:flowNodeRef>", b"")
        .replace(b"<bpmn:outgoing>flow_split_reviews_review_tax</bpmn:outgoing>", b"")
        .replace(b"<bpmn:incoming>flow_review_tax_join_reviews</bpmn:incoming>", b"")
    )
    start = removed.index(b'<bpmn:userTask id="review_tax"')
    end = removed.index(b"</bpmn:userTask>", start) + len(b"</bpmn:userTask>")
    removed = removed[:start] + removed[end:]
    for flow in (b"flow_split_reviews_review_tax", b"flow_review_tax_join_reviews"):
        i = removed.index(b'<bpmn:sequenceFlow id="' + flow + b'"')
        removed = removed[:i] + removed[removed.index(b"/>", i) + 2 :]
    v2 = _deploy(
        operators, removed.replace(b'<bpmn:lane id="Lane_tax" name="tax">\n      </bpmn:lane>', b"")
    )
    handle = _at_reviews(v1, operators)
    before = handle.dump_state()
    with pytest.raises(MigrationRefused) as info:
        handle.migrate(v2.spec_json)
    assert info.value.reasons == ["the instance is at 'review_tax', which the new version removes"]
    assert handle.dump_state() == before  # nothing changed: carry on with v1
    handle = _approve_all(handle, v1.spec_json, operators)
    assert handle.is_completed()


def test_changing_the_current_task_form_is_refused(operators):
    v1 = _deploy(operators, BR)
    changed = BR.replace(
        b'<spiffworkflow:property name="formKey" value="review_decision" />\n'
        b'          <spiffworkflow:property name="decisionKey" value="tax_approved" />',
        b'<spiffworkflow:property name="formKey" value="correction_request" />\n'
        b'          <spiffworkflow:property name="decisionKey" value="tax_approved" />',
    )
    assert changed != BR
    v2 = _deploy(operators, changed)
    handle = _at_reviews(v1, operators)
    with pytest.raises(MigrationRefused) as info:
        handle.migrate(v2.spec_json)
    [reason] = info.value.reasons
    assert "'review_tax'" in reason and "changes (extensions)" in reason


def test_inserted_step_after_the_current_task_runs(operators, calls):
    inserted = BR.replace(
        b'sourceRef="all_approved" targetRef="task_issue_certificate"',
        b'sourceRef="all_approved" targetRef="stamp"',
    ).replace(
        b"</bpmn:process>",
        b'<bpmn:scriptTask id="stamp" name="Stamp"><bpmn:script>stamped = True'
        b'</bpmn:script></bpmn:scriptTask><bpmn:sequenceFlow id="flow_stamp" '
        b'sourceRef="stamp" targetRef="task_issue_certificate" /></bpmn:process>',
    )
    v1, v2 = _deploy(operators, BR), _deploy(operators, inserted)
    handle = _at_reviews(v1, operators)
    state = migrate_state(v1.spec_json, handle.dump_state(), v2.spec_json, operators=operators)
    assert json.loads(state)  # plain JSON, stored with v2
    handle = _approve_all(
        WorkflowHandle.load(v2.spec_json, state, operators=operators), v2.spec_json, operators
    )
    assert handle.is_completed() and handle.data["stamped"] is True
    assert "stamp" in handle.completed_element_ids()


def test_waiting_timer_keeps_its_deadline(operators):
    source = (WORKFLOWS / "residence_permit.bpmn").read_bytes()
    v1 = _deploy(operators, source)
    v2 = _deploy(operators, source.replace("制发居住证 Issue permit".encode(), b"Issue permit"))
    handle = WorkflowHandle.start(
        v1.spec_json, intake_data({"case_number": "RP-9"}), operators=operators
    )
    handle.complete_service_call(handle.pending_service_calls()[0].task_id, {"verdict": "pass"})
    handle = accept_intake(handle, v1.spec_json, operators)
    earlier = handle.next_timer_due() - timedelta(days=3)  # review opened 3 days ago
    handle.workflow.get_tasks(spec_name="timer_review_overdue")[0].internal_data["event_value"] = (
        earlier.isoformat()
    )
    handle.migrate(v2.spec_json)
    handle = reload(handle, v2.spec_json, operators)
    assert handle.next_timer_due() == earlier
    assert handle.active_element_ids() == ["review_public_security", "timer_review_overdue"]


def test_called_process_is_migrated_too(operators):
    source = (WORKFLOWS / "talent_settlement.bpmn").read_bytes()
    v1 = _deploy(operators, source, process_id="talent_settlement")
    v2 = _deploy(
        operators,
        source.replace("公安户籍审核".encode(), "户籍审核".encode()),
        process_id="talent_settlement",
    )
    handle = WorkflowHandle.start(
        v1.spec_json, intake_data({"case_number": "TS-1", "form": {}}), operators=operators
    )
    handle.complete_service_call(handle.pending_service_calls()[0].task_id, {"verdict": "pass"})
    handle = accept_intake(handle, v1.spec_json, operators)
    assert [t.element_id for t in handle.ready_user_tasks()] == ["review_human_resources"]
    handle.migrate(v2.spec_json)
    handle = reload(handle, v2.spec_json, operators)
    handle.complete_user_task(handle.ready_user_tasks()[0].task_id, {"approved": True})
    [task] = handle.ready_user_tasks()
    assert task.name.startswith("户籍审核")
    handle.complete_user_task(task.task_id, {"approved": True})
    assert handle.is_completed()


def test_other_process_refused(operators):
    v1 = _deploy(operators, BR)
    other = _deploy(operators, (WORKFLOWS / "residence_permit.bpmn").read_bytes())
    handle = _at_reviews(v1, operators)
    with pytest.raises(MigrationRefused) as info:
        handle.migrate(other.spec_json)
    assert any("not 'business_registration'" in r for r in info.value.reasons)


def test_instance_waiting_for_an_async_call_migrates(operators):
    v1 = _deploy(operators, BR)
    v2 = _deploy(operators, BR.replace("税务审核 Review by tax".encode(), "税务审核".encode()))
    handle = WorkflowHandle.start(
        v1.spec_json, intake_data({"case_number": "M-2"}), operators=operators
    )
    [call] = handle.pending_service_calls()
    handle.migrate(v2.spec_json)
    handle = reload(handle, v2.spec_json, operators)
    assert [c.task_id for c in handle.pending_service_calls()] == [call.task_id]
    handle.complete_service_call(call.task_id, {"verdict": "pass"})
    handle = accept_intake(handle, v2.spec_json, operators)
    tax = next(t for t in handle.ready_user_tasks() if t.lane == "tax")
    assert tax.name == "税务审核"
