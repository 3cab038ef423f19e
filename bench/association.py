"""One association-mining engine on one warehouse's baskets, run as its own child process.

    python -m bench.association ENGINE WAREHOUSE COMPILED_SQL OUT_DIR

ENGINE is one of ENGINES. `sql` re-runs the compiled association_rules model read-only; the
libraries mine the same baskets, read back exactly as the oracle test reads them
(ipre.oracles.association: basket_sessions joined to customer_clusters), one
group (cluster_id, segment) at a time, pairs only. Every engine is given the same frequency
floor before pairing (the Apriori property, as the model does): products below
max(min_abs_freq, min_freq_ratio × baskets, min_support × baskets) are dropped, but every
basket still counts in the denominator, and pairs need only co-occur once (support cut at half
a basket), because the model keeps any pair of frequent products with lift >= min_lift. Lift
is cut in the timed part just below min_lift; the exact floor is applied afterwards by the
oracle's own `passes_floors`. `mlxtend_unpruned` mines every product, as the oracle does.
Writes OUT_DIR/ENGINE.parquet (the rules) and ENGINE.json.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ipre.oracles.association import item_floor, project_vars, read_baskets

GROUPS = ["cluster_id", "segment"]
RULE_COLUMNS = [
    *GROUPS, "product_a", "product_b", "total_baskets", "product_a_freq", "product_b_freq",
    "pair_freq", "support", "confidence", "lift",
]
LIFT_SLACK = 1e-9  # the float cut sits just below min_lift; the exact cut comes after


def pruned_group(group: pd.DataFrame, params: dict[str, object]) -> tuple[int, pd.DataFrame]:
    """(baskets in the group, basket × product rows of its frequent products only)."""
    n_baskets = group["global_basket_id"].nunique()
    freq = group.groupby("product_id")["global_basket_id"].transform("size")
    floor = item_floor(n_baskets, params)
    keep = np.array([count >= floor for count in freq.to_numpy()], dtype=bool)
    return n_baskets, group.loc[keep, ["global_basket_id", "product_id"]]


def onehot(group: pd.DataFrame, rows: pd.DataFrame, n_baskets: int) -> pd.DataFrame:
    """Boolean basket × frequent-product matrix; baskets with no frequent product stay (all
    False) so that supports are over every basket of the group."""
    basket_codes = pd.Index(group["global_basket_id"].unique())
    products = pd.Index(sorted(rows["product_id"].unique()))
    matrix = np.zeros((n_baskets, len(products)), dtype=bool)
    matrix[basket_codes.get_indexer(rows["global_basket_id"]), products.get_indexer(
        rows["product_id"])] = True
    return pd.DataFrame(matrix, columns=products)


def mine_mlxtend(
    group: pd.DataFrame, params: dict[str, object], low_memory: bool, prune: bool = True
) -> pd.DataFrame | None:
    """mlxtend on the pruned baskets, or (prune=False) on every product, as the oracle test
    runs it: mlxtend's own min_support cannot stand in for the item floor, since it would
    also cut rare pairs of frequent products, which the model keeps."""
    from mlxtend.frequent_patterns import apriori, association_rules

    if prune:
        n_baskets, rows = pruned_group(group, params)
    else:
        n_baskets, rows = group["global_basket_id"].nunique(), group
    if rows["product_id"].nunique() < 2:
        return None
    itemsets = apriori(
        onehot(group, rows, n_baskets), min_support=0.5 / n_baskets, use_colnames=True,
        max_len=2, low_memory=low_memory,
    )
    if not (itemsets["itemsets"].map(len) == 2).any():
        return None
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        rules = association_rules(
            itemsets, num_itemsets=n_baskets, metric="lift",
            min_threshold=float(params["min_lift"]) - LIFT_SLACK,
            return_metrics=["antecedent support", "consequent support", "support",
                            "confidence", "lift"],
        )
    return mlxtend_frame(rules, n_baskets)


def mlxtend_frame(rules: pd.DataFrame, n_baskets: int) -> pd.DataFrame:
    def counts(column: str) -> pd.Series:
        return (rules[column] * n_baskets).round().astype("int64")

    return pd.DataFrame({
        "product_a": rules["antecedents"].map(lambda items: next(iter(items))),
        "product_b": rules["consequents"].map(lambda items: next(iter(items))),
        "total_baskets": n_baskets,
        "product_a_freq": counts("antecedent support"),
        "product_b_freq": counts("consequent support"),
        "pair_freq": counts("support"),
        "support": rules["support"],
        "confidence": rules["confidence"],
        "lift": rules["lift"],
    })


def mine_efficient(group: pd.DataFrame, params: dict[str, object]) -> pd.DataFrame | None:
    from efficient_apriori import apriori

    n_baskets, rows = pruned_group(group, params)
    if rows["product_id"].nunique() < 2:
        return None
    kept = rows.groupby("global_basket_id")["product_id"].agg(tuple)
    transactions = list(kept) + [()] * (n_baskets - len(kept))
    _, rules = apriori(transactions, min_support=0.5 / n_baskets, min_confidence=0.0,
                       max_length=2)
    min_lift = float(params["min_lift"]) - LIFT_SLACK
    kept_rules = [rule for rule in rules if rule.lift >= min_lift]
    return pd.DataFrame({
        "product_a": [rule.lhs[0] for rule in kept_rules],
        "product_b": [rule.rhs[0] for rule in kept_rules],
        "total_baskets": n_baskets,
        "product_a_freq": [rule.count_lhs for rule in kept_rules],
        "product_b_freq": [rule.count_rhs for rule in kept_rules],
        "pair_freq": [rule.count_full for rule in kept_rules],
        "support": [rule.support for rule in kept_rules],
        "confidence": [rule.confidence for rule in kept_rules],
        "lift": [rule.lift for rule in kept_rules],
    })


Miner = Callable[[pd.DataFrame, dict[str, object]], "pd.DataFrame | None"]
LIBRARY_ENGINES: dict[str, Miner] = {
    "mlxtend": lambda group, params: mine_mlxtend(group, params, low_memory=False),
    "mlxtend_low_memory": lambda group, params: mine_mlxtend(group, params, low_memory=True),
    "efficient_apriori": mine_efficient,
    "mlxtend_unpruned": lambda group, params: mine_mlxtend(group, params, False, prune=False),
}
ENGINES = ["sql", *LIBRARY_ENGINES]


def mine_library(engine: str, baskets: pd.DataFrame) -> pd.DataFrame:
    """Rules of every group by one library, with the group columns."""
    params = project_vars()
    frames = []
    for values, group in baskets.groupby(GROUPS, sort=True):
        rules = LIBRARY_ENGINES[engine](group, params)
        if rules is not None and len(rules):
            frames.append(rules.assign(**dict(zip(GROUPS, values, strict=True))))
    return pd.concat(frames, ignore_index=True)[RULE_COLUMNS]


def run_sql(warehouse: Path, compiled_sql: Path) -> pd.DataFrame:
    """The association_rules logic (int_association_rules) compiled, read-only, as dbt runs it."""
    import duckdb

    from bench.settings import duckdb_settings

    with duckdb.connect(str(warehouse), read_only=True, config=duckdb_settings()) as con:
        return con.sql(compiled_sql.read_text()).df()[RULE_COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("compiled_sql", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()
    start = time.perf_counter()
    baskets = None if args.engine == "sql" else read_baskets(args.warehouse, "association_rules")
    loaded = time.perf_counter()
    if baskets is None:
        rules = run_sql(args.warehouse, args.compiled_sql)
    else:
        rules = mine_library(args.engine, baskets)
    mined = time.perf_counter()
    rules.to_parquet(args.out_dir / f"{args.engine}.parquet", index=False)
    summary = {"load_s": loaded - start, "mine_s": mined - loaded, "rules": len(rules)}
    if baskets is not None:
        summary["basket_rows"] = len(baskets)
    (args.out_dir / f"{args.engine}.json").write_text(json.dumps(summary))


if __name__ == "__main__":
    main()
