"""Pages for people, beside the API: the report and a page per unit, and GraphiQL's assets.

* ``/report`` → the latest year's report; ``/report/{year}?region=CODE&lang=zh|en`` the coverage
  report (the same page ``tiaokuai report`` writes); ``/report/{year}/gaps.csv`` its gap list;
* ``/unit/{id}?year=Y&lang=…`` a unit: its counterparts, the year's contact, its requirements and
  gaps, and its ledger rows (each linked to GraphiQL with a query for that row's units);
* ``/static/…`` GraphiQL's scripts and styles (:mod:`graph.api.ide`): nothing comes from a CDN.

With ``TIAOKUAI_REQUIRE_KEY_FOR_READS`` the pages, like GraphQL reads, need ``Authorization: Bearer
KEY`` (401 without); the static assets never do (they hold no data).

Every page is rendered by :mod:`graph.report` from autoescaped Jinja2 templates and refers only to
this server (relative links, fonts and charts embedded). The handlers are plain functions: FastAPI
runs them in its thread pool, so a store query never blocks the event loop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ..errors import TiaokuaiError
from .deps import ReadStoreDep
from .ide import STATIC_DIR

__all__ = ["router", "install"]


# every page reads through ReadStoreDep: a key when reads need one, and the caller's scope
router = APIRouter(include_in_schema=False)
Lang = Annotated[str, Query(pattern="^(zh|en)$")]
NAV = [("/graphql", "GraphQL (GraphiQL)"), ("/report", "报告 report")]


def _not_found(message: str) -> HTMLResponse:
    body = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>404</title></head>'
        f'<body><p>{message}</p><p><a href="/graphql">GraphQL</a> · <a href="/report">报告 report</a></p></body></html>'
    )
    return HTMLResponse(body, status_code=404)


@router.get("/report")
def latest_report(store: ReadStoreDep) -> Response:
    years = store.years()
    if not years:
        return _not_found(
            "库中还没有联系记录。 The store holds no links yet: load ledgers first (tiaokuai load)."
        )
    return RedirectResponse(f"/report/{max(years)}", status_code=307)


@router.get("/report/{year}", response_class=HTMLResponse)
def report_page(store: ReadStoreDep, year: int, region: str | None = None, lang: Lang = "zh") -> Response:
    from html import escape
    from urllib.parse import urlencode

    from ..report import build_report, render_html

    try:
        data = build_report(store, year, region)
    except TiaokuaiError as exc:
        return _not_found(escape(str(exc)))
    query = urlencode({"region": region}) if region else ""
    csv = f"/report/{year}/gaps.csv" + (f"?{query}" if query else "")
    other = "en" if lang == "zh" else "zh"
    switch = f"/report/{year}?" + urlencode({k: v for k, v in (("region", region), ("lang", other)) if v})
    nav = [*NAV, (switch, "English" if other == "en" else "中文")]
    return HTMLResponse(render_html(data, lang=lang, csv_name=csv, nav=nav))


@router.get("/report/{year}/gaps.csv")
def report_csv(store: ReadStoreDep, year: int, region: str | None = None) -> Response:
    from ..report import build_report, gaps_csv

    try:
        data = build_report(store, year, region)
    except TiaokuaiError as exc:
        return Response(str(exc) + "\n", status_code=404, media_type="text/plain; charset=utf-8")
    name = f"gaps-{year}" + (f"-{region}" if region else "") + ".csv"
    return Response(
        "\ufeff" + gaps_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/unit/{unit_id}", response_class=HTMLResponse)
def unit_page(store: ReadStoreDep, unit_id: str, year: int | None = None, lang: Lang = "zh") -> Response:
    from html import escape

    from ..report.unit import render_unit_page, unit_page_data

    data = unit_page_data(store, unit_id, year)
    if data is None:
        return _not_found(f"没有编号为 {escape(unit_id)} 的单位。 No unit with id {escape(unit_id)}.")
    return HTMLResponse(render_unit_page(data, lang=lang, nav=NAV))


def install(app: FastAPI) -> None:
    """Add the pages and the static assets to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
