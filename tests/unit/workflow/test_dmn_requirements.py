"""DMN requiredDecision chains (decision requirement graphs): evaluated before the decision
that needs them, in both diagram flavours; missing decisions and cycles refused at deploy."""

from __future__ import annotations

import pytest
from dmn_helpers import decision, dmn_file, rule_chain_bpmn
from wf_helpers import FIXTURES, deploy_files, reload

from app.workflow.engine import DeployError, WorkflowHandle
from app.workflow.engine.dmn_chain import ChainedDMNEngine

REQUIRED_RESULTS = {
    "band",
    "risk_band",
    "status",
    "member_status",
    "extra_checks",
    "check",
    "level",
}


def _requires(*ids: str) -> str:
    return "".join(
        f'<informationRequirement id="ir_{i}"><requiredDecision href="#{i}"/>'
        "</informationRequirement>"
        for i in ids
    )


@pytest.fixture
def drg_bundle(operators):
    files = {n: (FIXTURES / n).read_bytes() for n in ("camunda_drg.bpmn", "camunda_drg.dmn")}
    return deploy_files(files, operators)


@pytest.mark.parametrize(
    "amount, months, reason, task_id, approval, checks, end",
    [
        (
            60000,
            24,
            "rent",
            "Task_lead",
            "lead",
            ["proof_of_housing", "income_proof", "identity"],
            "End_lead",
        ),  # risk_band high
        (500, 3, "retirement", "Task_lead", "lead", ["identity"], "End_lead"),  # new member
        (
            20000,
            24,
            "rent",
            "Task_clerk",
            "senior_clerk",
            ["proof_of_housing", "income_proof", "identity"],
            "End_clerk",
        ),  # 3 extra checks
        (500, 24, "retirement", "Task_clerk", "clerk", ["identity"], "End_clerk"),
    ],
)
def test_decision_graph_runs_to_each_end(
    drg_bundle, operators, amount, months, reason, task_id, approval, checks, end
):
    assert not [w for w in drg_bundle.warnings if "requiredDecision" in w.message]
    data = {"form": {"amount": amount, "reason": reason}, "months_contributed": months}
    handle = WorkflowHandle.start(drg_bundle.spec_json, data, operators=operators)
    handle = reload(handle, drg_bundle.spec_json, operators)
    [task] = handle.ready_user_tasks()
    assert (task.element_id, task.data["approval"], task.data["checks"]) == (
        task_id,
        approval,
        checks,
    )
    assert not REQUIRED_RESULTS & set(handle.data)  # required results are inputs only
    handle.complete_user_task(task.task_id, {"approved": True})
    handle = reload(handle, drg_bundle.spec_json, operators)
    assert handle.is_completed() and end in handle.completed_element_ids()


def test_each_required_decision_evaluated_once_per_task(drg_bundle, operators, monkeypatch):
    seen = []
    original = ChainedDMNEngine.matched_outputs

    def spy(self, task, memo=None):
        seen.append(self.decision_id)
        return original(self, task, memo)

    monkeypatch.setattr(ChainedDMNEngine, "matched_outputs", spy)
    WorkflowHandle.start(
        drg_bundle.spec_json,
        {"form": {"amount": 20000, "reason": "rent"}, "months_contributed": 24},
        operators=operators,
    )
    # Rule_approval: risk_band is shared by approval_level and extra_checks (a diamond)
    assert seen == [
        "approval_level",
        "risk_band",
        "member_status",
        "extra_checks",
        "extra_checks",
        "risk_band",
    ]  # then Rule_checks


def test_spiff_diagram_calls_only_the_top_decision(operators):
    band = decision("band_d", ["amount"], "band", [("> 1000", '"high"'), ("> 0", '"low"')])
    level = decision(
        "level",
        ["band", "band_d"],
        "level",
        [('"high"', "", '"lead"'), ("", "None", '"unbanded"'), ("", "", '"clerk"')],
        extra=_requires("band_d"),
    )
    bundle = deploy_files(
        {
            "p.bpmn": rule_chain_bpmn(["level"]),
            "band.dmn": dmn_file(band),
            "level.dmn": dmn_file(level),
        },
        operators,
    )  # across two files
    runs = {
        amount: WorkflowHandle.start(bundle.spec_json, {"amount": amount}, operators=operators)
        for amount in (5000, 10, -1)
    }
    for handle in runs.values():
        handle = reload(handle, bundle.spec_json, operators)
        assert handle.is_completed() and "band" not in handle.data
    assert {a: h.data["level"] for a, h in runs.items()} == {
        5000: "lead",
        10: "clerk",
        -1: "unbanded",
    }


def test_collect_requirement_by_output_name_and_id(operators):
    tags = decision(
        "tags",
        ["x"],
        "tag",
        [("> 0", '"pos"'), ("> 10", '"big"'), ("< 0", '"neg"')],
        hit_policy="COLLECT",
    )
    summary = decision(
        "summary",
        ["tag", "len(tags)"],
        "summary",
        [('? == ["pos", "big"]', "", '"large"'), ("[]", "0", '"none"'), ("", "", '"small"')],
        extra=_requires("tags"),
    )
    bundle = deploy_files(
        {"p.bpmn": rule_chain_bpmn(["summary"]), "d.dmn": dmn_file(tags, summary)}, operators
    )
    results = {}
    for x in (20, 5, 0):
        handle = WorkflowHandle.start(
            bundle.spec_json, {"x": x, "tag": "unset"}, operators=operators
        )
        results[x] = handle.data["summary"]
        assert handle.data["tag"] == "unset"  # the process variable itself is untouched
    # x=0: nothing matched: `tag` and `tags` are both [] for the requiring decision
    assert results == {20: "large", 5: "small", 0: "none"}


def _errors(files, operators):
    with pytest.raises(DeployError) as info:
        deploy_files(files, operators)
    return {(i.element_id, i.code): i.message for i in info.value.issues if i.severity == "error"}


def test_missing_required_decision_refused(operators):
    level = decision(
        "level",
        ["band"],
        "level",
        [("", '"clerk"')],
        extra=_requires("band") + _requires("nowhere"),
    )
    band = decision("band", ["amount"], "band", [("", '"low"')])
    found = _errors(
        {"p.bpmn": rule_chain_bpmn(["level"]), "d.dmn": dmn_file(level, band)}, operators
    )
    assert list(found) == [("level", "missing_decision")]
    assert "'nowhere'" in found[("level", "missing_decision")]


def test_requirement_cycles_refused_even_when_not_called(operators):
    a = decision("a", ["x"], "a", [("", "1")], extra=_requires("b"))
    b = decision("b", ["x"], "b", [("", "2")], extra=_requires("c"))
    c = decision("c", ["x"], "c", [("", "3")], extra=_requires("a"))
    selfish = decision("s", ["x"], "s", [("", "4")], extra=_requires("s"))
    ok = decision("ok", ["x"], "ok", [("", "5")])
    found = _errors(
        {"p.bpmn": rule_chain_bpmn(["ok"]), "d.dmn": dmn_file(a, b, c, selfish, ok)}, operators
    )
    assert set(found) == {("a", "decision_cycle"), ("s", "decision_cycle")}
    assert "a -> b -> c -> a" in found[("a", "decision_cycle")]
    assert "s -> s" in found[("s", "decision_cycle")]


def test_multi_output_requirement_is_a_dict_under_its_id(operators):
    limits = (
        '<decision id="limits" name="Limits"><decisionTable id="limits_table">'
        '<input id="limits_in"><inputExpression id="limits_ie"><text>member</text>'
        "</inputExpression></input>"
        '<output id="limits_o1" name="max_amount"/><output id="limits_o2" name="months"/>'
        '<rule id="limits_r0"><inputEntry id="limits_r0_c"><text>True</text></inputEntry>'
        '<outputEntry id="limits_r0_o1"><text>50000</text></outputEntry>'
        '<outputEntry id="limits_r0_o2"><text>12</text></outputEntry></rule>'
        '<rule id="limits_r1"><inputEntry id="limits_r1_c"><text></text></inputEntry>'
        '<outputEntry id="limits_r1_o1"><text>1000</text></outputEntry>'
        '<outputEntry id="limits_r1_o2"><text>3</text></outputEntry></rule>'
        "</decisionTable></decision>"
    )
    plan = decision(
        "plan",
        ['amount <= limits["max_amount"]', "months"],
        "plan",
        [("True", "> 6", '"instalments"'), ("True", "", '"once"'), ("", "", '"refuse"')],
        extra=_requires("limits"),
    )
    bundle = deploy_files(
        {"p.bpmn": rule_chain_bpmn(["plan"]), "d.dmn": dmn_file(limits, plan)}, operators
    )
    cases = {(True, 20000): "instalments", (False, 500): "once", (False, 5000): "refuse"}
    for (member, amount), expected in cases.items():
        handle = WorkflowHandle.start(
            bundle.spec_json, {"member": member, "amount": amount}, operators=operators
        )
        handle = reload(handle, bundle.spec_json, operators)
        assert handle.data["plan"] == expected, (member, amount)
        assert not {"limits", "max_amount", "months"} & set(handle.data)
