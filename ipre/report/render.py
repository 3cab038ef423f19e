"""Fill the report template: data, chart specs and Plotly's JavaScript, all inline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jinja2
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ipre.report import charts
from ipre.report.data import SCORE_BIN, ReportData

TEMPLATE = "report.html.j2"


def chart_json(fig: go.Figure) -> str:
    """The figure as JSON safe inside a <script> element (no '</' to close it early)."""
    return fig.to_json().replace("</", "<\\/").replace("<!--", "<\\!--")


def figures(data: ReportData) -> dict[str, go.Figure | None]:
    run, limits = data.verdict.run, data.verdict.checks
    alert = next((c.threshold for c in limits if c.metric == "acceptance_rate"), 0.4)
    return {
        "coverage": charts.coverage(data.coverage),
        "sources": charts.sources(run),
        "acceptance_segment": charts.acceptance(
            data.acceptance["segment"], "Acceptance rate by segment", alert),
        "acceptance_l2": charts.acceptance(
            data.acceptance["l2_category"], "Acceptance rate by L2 category", alert),
        "trend": charts.trend(data.runs),
        "top_recommended": charts.top_products(
            data.top_products["recommended"], "Most recommended products"),
        "top_triggers": charts.top_products(
            data.top_products["trigger"], "Purchases that trigger the most recommendations"),
        "top_reminded": charts.top_products(
            data.top_reminded, "Products most often in a reorder reminder", "reminders"),
        "scores": charts.scores(data.score_bins, SCORE_BIN),
        "evaluation": charts.evaluation(data.evaluation),
    }


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ipre.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{v:.1%}"
    env.filters["num"] = lambda v: "n/a" if v is None else f"{v:,.0f}"
    env.filters["dec"] = lambda v, n=3: "n/a" if v is None else f"{v:.{n}f}"
    env.filters["value"] = lambda v: json.dumps(v) if not isinstance(v, str) else v
    return env


def render(data: ReportData) -> str:
    specs = {name: chart_json(fig) for name, fig in figures(data).items() if fig is not None}
    context: dict[str, Any] = {
        "data": data,
        "verdict": data.verdict,
        "run": data.verdict.run,
        "coverage": {row["status"]: int(row["customers"]) for row in data.coverage},
        "charts": specs,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "plotly_js": get_plotlyjs(),
    }
    return environment().get_template(TEMPLATE).render(**context)
