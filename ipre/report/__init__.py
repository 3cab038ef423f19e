"""The Sales Leader report: one self-contained HTML file (docs/report.md).

data.py reads the warehouse, charts.py turns it into Plotly figures, render.py fills the
Jinja template with both and Plotly's JavaScript inlined; cli.py is `ipre report`.
"""
