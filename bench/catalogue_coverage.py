"""Catalogue coverage of a built warehouse (issue 22): how much of the catalogue the engine
can recommend, beside the time and memory a bench run prints.

* ``catalogue``: accepted products that are merchandise (not in excluded_products);
* ``bought_by_two``: those bought by at least two customers in the window (market_basket),
  the products an item-to-item model could learn something about;
* ``modelled``: products the similarity model can recommend on evidence (a neighbour in
  product_neighbours), and their share of ``bought_by_two``;
* ``recommended``: distinct products in recommendations, and the share of all
  recommendations the ten most recommended take.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

QUERIES = {
    "catalogue": "select count(*) from staging.stg_erp__products"
                 " where quarantine_reason is null and not is_excluded",
    "bought_by_two": "select count(*) from (select product_id from main.market_basket"
                     " group by product_id having count(distinct customer_id) >= 2)",
    "modelled": "select count(distinct neighbour_product_id) from main.product_neighbours",
    "recommended": "select count(distinct recommended_product) from main.recommendations",
    "top10_share": "select coalesce(sum(n) / nullif((select count(*) from main.recommendations),"
                   " 0), 0) from (select count(*) as n from main.recommendations"
                   " group by recommended_product order by n desc limit 10)",
}  # fmt: skip


def catalogue_coverage(warehouse: Path) -> dict[str, float]:
    """The figures above; {} when the warehouse lacks a table (a failed build)."""
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            found = {name: float(con.execute(sql).fetchall()[0][0])
                     for name, sql in QUERIES.items()}  # fmt: skip
    except duckdb.Error:
        return {}
    found["modelled_share"] = found["modelled"] / found["bought_by_two"] if found[
        "bought_by_two"] else 0.0  # fmt: skip
    return found


def coverage_line(coverage: dict[str, float]) -> str:
    if not coverage:
        return "catalogue coverage: not measured (the build failed)"
    return (
        f"catalogue coverage: {coverage['catalogue']:,.0f} products, "
        f"{coverage['bought_by_two']:,.0f} bought by 2+ customers, "
        f"{coverage['modelled']:,.0f} modelled ({coverage['modelled_share']:.1%} of those), "
        f"{coverage['recommended']:,.0f} recommended (top 10 take "
        f"{coverage['top10_share']:.1%} of all recommendations)"
    )
