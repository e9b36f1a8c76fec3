"""Insight in the browser: the performance page draws every chart (ECharts, SVG) with the
series its data names, in Chinese and in English and at a phone's width; the process
heatmap adds one overlay per step that cases reached."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import ProcessVersion
from app.services import rollup_rebuild, volume
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHARTS = ("volume", "lead_time", "on_time", "corrections", "ratings", "agreement")


@pytest.fixture()
def history(app, live_server, wait_jobs):
    with app.app_context():
        ids = volume.template_cases(2, wait_jobs=wait_jobs)
        volume.clone(ids, 300)
        rollup_rebuild.rebuild()
        version = db.session.execute(
            db.select(ProcessVersion).where(
                ProcessVersion.process_id == "business_registration",
                ProcessVersion.is_current.is_(True),
            )
        ).scalar_one()
        return version.version


def _drawn_series(page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.ow-chart')].map(el => {
            const chart = echarts.getInstanceByDom(el);
            return [el.id.replace('chart-', ''), {
                series: chart ? chart.getOption().series.length : 0,
                svg: el.querySelectorAll('svg path').length,
            }];
        }))"""
    )


@pytest.mark.parametrize(
    ("lang", "width", "title"),
    [("zh", 1280, "申请量与办结量"), ("en", 360, "Cases submitted and decided")],
)
def test_performance_page_draws_every_chart(live_server, browser, history, lang, width, title):
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    login(page, live_server, "admin")
    for days in (30, 365):
        page.goto(f"{live_server}/admin/performance?days={days}&lang={lang}")
        page.wait_for_selector("#charts[data-ready='6']")
        data = json.loads(page.locator("#chart-data").text_content())
        drawn = _drawn_series(page)
        assert set(drawn) == set(CHARTS)
        for key in CHARTS:
            assert drawn[key]["series"] == len(data["charts"][key]["series"]), key
            assert drawn[key]["svg"] > 0, key
        assert page.locator("#chart-title-volume").text_content().strip() == title
        # each chart has its table: as many columns as series, one row per label
        table = page.locator("[data-chart-table='volume'] tbody tr")
        assert table.count() == len(data["labels"])
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # narrowed to one service, the charts still draw
    page.goto(f"{live_server}/admin/performance?days=365&service=1")
    page.wait_for_selector("#charts[data-ready='6']")
    ctx.close()


def test_heatmap_adds_one_overlay_per_step(live_server, browser, history):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, live_server, "admin")
    page.goto(f"{live_server}/admin/processes/business_registration/versions/{history}/heatmap")
    page.wait_for_selector("#canvas[data-ready='1']")
    steps = json.loads(page.locator("#heatmap-data").text_content())
    on_diagram = page.evaluate(
        "(ids) => ids.filter(id => document.querySelector(`[data-element-id='${id}']`)).length",
        [s["element_id"] for s in steps],
    )
    assert on_diagram >= 4  # intake and the three department reviews
    assert page.locator("#canvas").get_attribute("data-overlays") == str(on_diagram)
    assert page.locator(".ow-heat-overlay").count() == on_diagram
    assert page.locator("#heatmap-table tbody tr").count() == len(steps)
    ctx.close()
