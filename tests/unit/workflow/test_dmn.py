"""DMN at deploy and run time: FEEL translation, hit policies, multi-decision files, refusals."""

from __future__ import annotations

import pytest
from dmn_helpers import decision, dmn_file, rule_chain_bpmn
from wf_helpers import deploy_files, reload

from app.workflow.engine import DeployError, WorkflowHandle

AMOUNT_RANGES = decision(
    "band",
    ["amount"],
    "band",
    [("[250..1000]", '"middle"'), ("(1000..5000)", '"high"'), ("", '"other"')],
)


def _deploy(operators, decisions: list[str], dmn: bytes):
    return deploy_files({"p.bpmn": rule_chain_bpmn(decisions), "d.dmn": dmn}, operators)


def _run(bundle, operators, data):
    handle = WorkflowHandle.start(bundle.spec_json, data, operators=operators)
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed()
    return handle.data


def _warnings(bundle):
    return [(w.element_id, w.code, w.message) for w in bundle.warnings]


def test_feel_ranges_are_translated_and_reported(operators):
    bundle = _deploy(operators, ["band"], dmn_file(AMOUNT_RANGES))
    messages = [m for _, code, m in _warnings(bundle) if code == "dmn_unsupported"]
    assert any("[250..1000]" in m and "250 <= ? <= 1000" in m for m in messages)
    assert any("(1000..5000)" in m and "1000 < ? < 5000" in m for m in messages)
    expected = {
        249: "other",
        250: "middle",
        1000: "middle",
        1000.5: "high",
        4999: "high",
        5000: "other",
    }
    for amount, band in expected.items():
        assert _run(bundle, operators, {"amount": amount})["band"] == band, amount


def test_feel_lists_are_translated(operators):
    table = decision(
        "kind", ["reason"], "kind", [('"rent","purchase"', '"housing"'), ("", '"misc"')]
    )
    bundle = _deploy(operators, ["kind"], dmn_file(table))
    assert any("in (" in m for _, _, m in _warnings(bundle))
    assert _run(bundle, operators, {"reason": "purchase"})["kind"] == "housing"
    assert _run(bundle, operators, {"reason": "rent"})["kind"] == "housing"
    assert _run(bundle, operators, {"reason": "retirement"})["kind"] == "misc"


@pytest.mark.parametrize("policy", ["ANY", "RULE ORDER", "PRIORITY", "OUTPUT ORDER"])
def test_unsupported_hit_policies_reported_and_first_match_used(operators, policy):
    table = decision(
        "pick", ["x"], "pick", [("> 1", '"first"'), ("> 0", '"second"')], hit_policy=policy
    )
    bundle = _deploy(operators, ["pick"], dmn_file(table))
    [(element, _, message)] = [w for w in _warnings(bundle) if "hit policy" in w[2]]
    assert element == "pick_table" and policy in message
    assert _run(bundle, operators, {"x": 5})["pick"] == "first"


def test_first_and_collect_are_supported_without_warning(operators):
    first = decision("first", ["x"], "first", [("> 1", '"a"'), ("> 0", '"b"')], "FIRST")
    collect = decision(
        "many", ["x"], "many", [("> 1", '"a"'), ("> 0", '"b"'), ("< 0", '"c"')], "COLLECT"
    )
    bundle = deploy_files(
        {
            "p.bpmn": rule_chain_bpmn(["first", "many"]),
            "a.dmn": dmn_file(first),
            "b.dmn": dmn_file(collect),
        },
        operators,
    )
    assert not [w for w in _warnings(bundle) if "hit policy" in w[2]]
    data = _run(bundle, operators, {"x": 5})
    assert (data["first"], data["many"]) == ("a", ["a", "b"])


def test_collect_aggregation_reported(operators):
    table = decision(
        "total",
        ["x"],
        "total",
        [("> 0", "1"), ("> 1", "2")],
        "COLLECT",
        table_attrs='aggregation="SUM"',
    )
    bundle = _deploy(operators, ["total"], dmn_file(table))
    assert any("aggregation SUM" in m for _, _, m in _warnings(bundle))
    assert _run(bundle, operators, {"x": 5})["total"] == [1, 2]


def test_several_decisions_in_one_file_are_split_and_reported(operators):
    second = decision(
        "level",
        ["band"],
        "level",
        [('"high"', '"lead"'), ("", '"clerk"')],
        extra='<informationRequirement id="ir1"><requiredDecision href="#band"/>'
        "</informationRequirement>",
    )
    bundle = _deploy(operators, ["band", "level"], dmn_file(AMOUNT_RANGES, second))
    messages = [(e, m) for e, code, m in _warnings(bundle) if code == "dmn_unsupported"]
    assert (
        "d.dmn",
        "2 decisions in one file (band, level): split into one document per decision",
    ) in messages
    assert not any("requiredDecision" in m for _, m in messages)  # evaluated, not reported
    data = _run(bundle, operators, {"amount": 2000})
    assert (data["band"], data["level"]) == ("high", "lead")
    assert _run(bundle, operators, {"amount": 300})["level"] == "clerk"


def _errors(files, operators):
    with pytest.raises(DeployError) as info:
        deploy_files(files, operators)
    return {(i.element_id, i.code) for i in info.value.issues if i.severity == "error"}


def test_literal_expression_decision_refused(operators):
    literal = (
        '<decision id="lit"><literalExpression id="le"><text>1</text>'
        "</literalExpression></decision>"
    )
    found = _errors({"p.bpmn": rule_chain_bpmn(["lit"]), "d.dmn": dmn_file(literal)}, operators)
    assert found == {("lit", "dmn_unsupported")}


def test_missing_decision_and_refused_cells_reported_together(operators):
    evil = decision(
        "evil", ["amount"], "out", [("__import__('os')", '"x"'), (">= 0", "().__class__")]
    )
    found = _errors(
        {"p.bpmn": rule_chain_bpmn(["evil", "nowhere"]), "d.dmn": dmn_file(evil)}, operators
    )
    assert found == {
        ("evil_r0", "condition_refused"),
        ("evil_r1", "condition_refused"),
        ("rule_1", "missing_decision"),
    }


def test_dmn_without_bpmn_caller_still_checked(operators):
    found = _errors({"p.bpmn": rule_chain_bpmn([]), "d.dmn": b"<definitions/>"}, operators)
    assert ("d.dmn", "xml_parse") in found
