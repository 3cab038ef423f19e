"""Do the reorder reminders predict repeat purchases? (docs/reorders.md, docs/evaluation.md)

On the same temporal split as the rest of the evaluation, the as-of warehouse holds
`reorder_reminders` as of the cutoff T. A reminder (a row with `is_reminder`) is right when
the customer buys that product in (T, T + reorder_horizon_days].

Evaluated customers: those with at least one reminder at T. Each gets the same number of
products n_c (their reminder count, at most reorder_top_k) from two baselines built on the
same as-of purchase history (`int_reorder_purchase_days`: distinct purchase days in the
pipeline's window up to T) and the same candidate rule (in stock):

* reorder_baseline_frequent: the customer's products bought on the most distinct days; ties
  by the latest purchase day, then product id
* reorder_baseline_recent:   the customer's most recently bought products; ties by the number
  of purchase days, then product id

Per customer: precision = hits / n_c, recall = hits / (products of the customer's as-of history
bought again in the horizon), hit = any hit. Means over the evaluated customers; recall over
those of them who bought at least one of their history products again (a customer with no
repeat purchase has no recall).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb

from ipre.evaluation import warehouse
from ipre.evaluation.split import Split
from ipre.params.resolved import default_top_k

DEFAULT_REORDER_HORIZON_DAYS = 30
REORDER_MODEL = "reorder_due"
FREQUENT_MODEL = "reorder_baseline_frequent"
RECENT_MODEL = "reorder_baseline_recent"
REORDER_MODELS = (REORDER_MODEL, FREQUENT_MODEL, RECENT_MODEL)

Reminders = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class PurchaseHistory:
    """Per customer and product: distinct purchase days and the latest day, up to T."""

    days: Mapping[str, Mapping[str, int]]
    last: Mapping[str, Mapping[str, date]]
    in_stock: frozenset[str]

    @classmethod
    def from_days(
        cls, purchase_days: Iterable[tuple[str, str, date]], in_stock: Iterable[str]
    ) -> PurchaseHistory:
        days: dict[str, dict[str, int]] = defaultdict(dict)
        last: dict[str, dict[str, date]] = defaultdict(dict)
        for customer, product, day in set(purchase_days):
            days[customer][product] = days[customer].get(product, 0) + 1
            if product not in last[customer] or day > last[customer][product]:
                last[customer][product] = day
        return cls(dict(days), dict(last), frozenset(in_stock))

    def ranked(self, customer: str, key: Callable[[str], Any]) -> list[str]:
        products = [p for p in self.days.get(customer, {}) if p in self.in_stock]
        return sorted(products, key=key)


def most_frequent(history: PurchaseHistory, customer: str, n: int) -> list[str]:
    days, last = history.days.get(customer, {}), history.last.get(customer, {})
    order = history.ranked(customer, lambda p: (-days[p], -last[p].toordinal(), p))
    return order[:n]


def most_recent(history: PurchaseHistory, customer: str, n: int) -> list[str]:
    days, last = history.days.get(customer, {}), history.last.get(customer, {})
    order = history.ranked(customer, lambda p: (-last[p].toordinal(), -days[p], p))
    return order[:n]


def repeat_targets(
    lines: Iterable[tuple[str, str, date]], split: Split, horizon_days: int
) -> dict[str, frozenset[str]]:
    """Customer -> products bought in (T, T + horizon_days] that the customer had also bought
    on or before T (whole accepted history): the purchases a reminder can predict."""
    end = split.cutoff + timedelta(days=horizon_days)
    before: dict[str, set[str]] = defaultdict(set)
    after: dict[str, set[str]] = defaultdict(set)
    for customer, product, day in lines:
        if day <= split.cutoff:
            before[customer].add(product)
        elif day <= end:
            after[customer].add(product)
    found = {c: frozenset(after[c] & before.get(c, set())) for c in after}
    return {c: products for c, products in found.items() if products}


@dataclass(frozen=True)
class ReorderScore:
    n_customers: int
    n_reminders: int
    precision: float | None
    recall: float | None
    hit_rate: float | None


def score_lists(lists: Reminders, targets: Mapping[str, frozenset[str]]) -> ReorderScore:
    """Means over the customers with a non-empty list (see the module docstring)."""
    customers = sorted(c for c, products in lists.items() if products)
    if not customers:
        return ReorderScore(0, 0, None, None, None)
    precisions, recalls, hits = [], [], []
    for customer in customers:
        products = list(dict.fromkeys(lists[customer]))
        wanted = targets.get(customer, frozenset())
        found = sum(1 for p in products if p in wanted)
        precisions.append(found / len(products))
        hits.append(1.0 if found else 0.0)
        if wanted:
            recalls.append(found / len(wanted))
    return ReorderScore(
        n_customers=len(customers),
        n_reminders=sum(len(set(lists[c])) for c in customers),
        precision=sum(precisions) / len(precisions),
        recall=sum(recalls) / len(recalls) if recalls else None,
        hit_rate=sum(hits) / len(hits),
    )


def baseline_lists(
    reminders: Reminders,
    history: PurchaseHistory,
    pick: Callable[[PurchaseHistory, str, int], list[str]],
) -> dict[str, list[str]]:
    """The baseline's list for every customer with reminders, as long as their reminder list."""
    return {c: pick(history, c, len(products)) for c, products in reminders.items() if products}


def score_reorders(
    reminders: Reminders,
    history: PurchaseHistory,
    lines: Iterable[tuple[str, str, date]],
    split: Split,
    horizon_days: int = DEFAULT_REORDER_HORIZON_DAYS,
    k: int | None = None,
) -> list[dict[str, Any]]:
    """The three eval_metrics rows: reminders and both baselines at the same list lengths.
    Columns that do not apply (ndcg, map, coverage, shares) are left out (null). k names the
    metric columns, as the engine's rows (default: dbt_project.yml's top_k)."""
    k = k or default_top_k()
    targets = repeat_targets(lines, split, horizon_days)
    models = {
        REORDER_MODEL: {c: list(p) for c, p in reminders.items() if p},
        FREQUENT_MODEL: baseline_lists(reminders, history, most_frequent),
        RECENT_MODEL: baseline_lists(reminders, history, most_recent),
    }
    rows = []
    for name, lists in models.items():
        score = score_lists(lists, targets)
        rows.append(
            {
                "model": name,
                "n_customers": score.n_customers,
                f"hit_rate_at_{k}": score.hit_rate,
                f"precision_at_{k}": score.precision,
                f"recall_at_{k}": score.recall,
                "cutoff_date": split.cutoff,
                "horizon_days": horizon_days,
            }
        )
    return rows


def horizon_from_vars(dbt_vars: Mapping[str, Any]) -> int:
    value = dbt_vars.get("reorder_horizon_days")
    return DEFAULT_REORDER_HORIZON_DAYS if value in (None, "") else int(value)


# --- reads of the as-of warehouse --------------------------------------------------------------
def has_reminders_table(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_name = 'reorder_reminders'"
    ).fetchone()
    return bool(row and row[0])


def load_reminders(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """customer -> reminded products by reorder_rank (rows with is_reminder)."""
    rows = con.execute(
        "select customer_id, product_id from reorder_reminders where is_reminder"
        " order by customer_id, reorder_rank"
    ).fetchall()
    reminders: dict[str, list[str]] = {}
    for customer, product in rows:
        reminders.setdefault(str(customer), []).append(str(product))
    return reminders


def load_purchase_history(con: duckdb.DuckDBPyConnection) -> PurchaseHistory:
    days = con.execute(
        "select customer_id, product_id, purchase_date"
        " from intermediate.int_reorder_purchase_days"
    ).fetchall()
    in_stock = con.execute(warehouse.RECOMMENDABLE_PRODUCTS_SQL).fetchall()
    return PurchaseHistory.from_days(
        ((str(c), str(p), d) for c, p, d in days), (str(p) for (p,) in in_stock)
    )


def reorder_line(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """One line: the reminders' precision against both baselines at a cutoff."""
    by_model = {row["model"]: row for row in rows if row["model"] in REORDER_MODELS}
    if len(by_model) < len(REORDER_MODELS) or by_model[REORDER_MODEL]["n_customers"] == 0:
        return None
    due, frequent, recent = (by_model[m] for m in REORDER_MODELS)
    # the column the rows were scored into: precision_at_<top_k of the build>
    precision = next(name for name in due if re.fullmatch(r"precision_at_\d+", name))
    return (
        f"reorder reminders at {due['cutoff_date']} ({due['n_customers']} customers,"
        f" {due['horizon_days']} days): precision due {due[precision]:.3f} vs most frequent"
        f" {frequent[precision]:.3f} vs most recent {recent[precision]:.3f}"
    )
