"""The report's charts as Plotly figures (drawn as SVG in the browser by the inlined plotly.js).

Every function returns None when there is nothing to draw, so the page says so in words
instead of showing an empty frame.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ipre.monitoring.runs import Run
from ipre.report.data import Rows

GOOD, BAD, NEUTRAL, MUTED = "#2e7d32", "#c62828", "#1565c0", "#9e9e9e"
COVERAGE_LABELS = {
    "in_scope_recommended": "In scope, recommended",
    "in_scope_without": "In scope, no recommendation",
    "lapsed": "Lapsed (no merchandise bought in the recency window)",
    "never_bought": "Never bought",
    "unknown_segment": "Unknown segment",
}


def layout(fig: go.Figure, title: str, height: int = 320, **extra: Any) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        template="simple_white",
        height=height,
        margin={"l": 10, "r": 20, "t": 50, "b": 40},
        showlegend=extra.pop("showlegend", False),
        **extra,
    )
    fig.update_yaxes(automargin=True)
    return fig


def coverage(rows: Rows) -> go.Figure | None:
    counts = {row["status"]: int(row["customers"]) for row in rows}
    if not counts:
        return None
    order = [key for key in COVERAGE_LABELS if counts.get(key)]
    colours = [GOOD if key == "in_scope_recommended" else BAD if key == "in_scope_without"
               else MUTED for key in order]
    fig = go.Figure(go.Bar(
        x=[counts[key] for key in order], y=[COVERAGE_LABELS[key] for key in order],
        orientation="h", marker_color=colours, text=[f"{counts[k]:,}" for k in order],
        textposition="auto",
    ))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, f"All {sum(counts.values()):,} customers of the master", height=260,
                  xaxis_title="customers")


def sources(run: Run) -> go.Figure | None:
    labels = {"customers_via_similarity": "Similarity", "customers_via_learned": "Learned ranker",
              "customers_via_rules": "Association rules",
              "customers_via_fallback": "Category fallback"}
    values = {label: run.get(key) or 0 for key, label in labels.items()}
    if not values["Learned ranker"]:
        del values["Learned ranker"]  # a build without the learned ranker: no empty bar
    if not any(values.values()):
        return None
    fig = go.Figure(go.Bar(
        x=list(values.values()), y=list(values), orientation="h",
        marker_color=[MUTED if label == "Category fallback" else NEUTRAL for label in values],
        text=[f"{v:,.0f}" for v in values.values()],
        textposition="auto",
    ))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, "Customers by where their recommendations come from", height=230,
                  xaxis_title="customers (one customer can have both kinds)")


MAX_BARS = 15


def acceptance(rows: Rows, title: str, alert: float) -> go.Figure | None:
    """The lowest MAX_BARS acceptance rates (rows come sorted lowest first): where to look."""
    if not rows:
        return None
    if len(rows) > MAX_BARS:
        title = f"{title}: the lowest {MAX_BARS} of {len(rows)}"
        rows = rows[:MAX_BARS]
    colours = [BAD if row["acceptance_rate"] < alert else GOOD for row in rows]
    fig = go.Figure(go.Bar(
        x=[row["acceptance_rate"] for row in rows], y=[row["scope_value"] for row in rows],
        orientation="h", marker_color=colours,
        customdata=[row["feedback_count"] for row in rows],
        hovertemplate="%{y}: %{x:.0%} of %{customdata} ratings<extra></extra>",
    ))
    fig.add_vline(x=alert, line_dash="dash", line_color=BAD,
                  annotation_text=f"alert {alert:.0%}", annotation_position="top")
    return layout(fig, title, height=max(260, 18 * len(rows) + 90),
                  xaxis={"tickformat": ".0%", "range": [0, 1]})


def trend(runs: list[Run]) -> go.Figure | None:
    if not runs:
        return None
    when = [run["run_started_at"] for run in runs]
    fig = go.Figure()
    shares = {"coverage": "Coverage", "acceptance_rate": "Acceptance rate",
              "customers_below_top_k_share": "Customers below top_k"}
    for key, name in shares.items():
        fig.add_trace(go.Scatter(x=when, y=[run.get(key) for run in runs], name=name,
                                 mode="lines+markers"))
    fig.add_trace(go.Scatter(
        x=when, y=[run.get("association_rules_generated") for run in runs],
        name="Association rules (right axis)", mode="lines+markers", yaxis="y2",
        line={"dash": "dot"},
    ))
    return layout(
        fig, f"Key metrics over the last {len(runs)} build(s)", height=340, showlegend=True,
        yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": "share"},
        yaxis2={"overlaying": "y", "side": "right", "title": "rules", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )


def top_products(rows: Rows, title: str, unit: str = "recommendations") -> go.Figure | None:
    if not rows:
        return None
    labels = [f"{row['product_name'] or row['product_id']} ({row['product_id']})" for row in rows]
    fig = go.Figure(go.Bar(
        x=[row["recommendation_count"] for row in rows], y=labels, orientation="h",
        marker_color=NEUTRAL, customdata=[row["l2_category"] for row in rows],
        hovertemplate=f"%{{y}}<br>%{{customdata}}: %{{x}} {unit}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, title, height=40 + 26 * len(rows) + 60, xaxis_title=unit)


def scores(rows: Rows, width: float) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure(go.Bar(
        x=[row["bin_start"] + width / 2 for row in rows],
        y=[row["recommendations"] for row in rows], width=width * 0.95, marker_color=NEUTRAL,
    ))
    return layout(fig, "Published scores", height=280, xaxis_title="score",
                  yaxis_title="recommendations", bargap=0.02)


def evaluation(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    models = [row["model"] for row in rows]
    colours = [GOOD if model.startswith("engine") else MUTED for model in models]
    fig = go.Figure(go.Bar(x=models, y=[row["ndcg_at_5"] for row in rows],
                           marker_color=colours, text=[f"{r['ndcg_at_5']:.3f}" for r in rows],
                           textposition="auto"))
    return layout(fig, "NDCG@5 on the purchases after the cutoff (higher is better)",
                  height=300, yaxis_title="NDCG@5")
