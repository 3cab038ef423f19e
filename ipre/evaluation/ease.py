"""EASE baseline (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data").

X is the binary customer × product matrix of the as-of window purchases (the `History` the
other baselines see). With the Gram matrix G = XᵀX and P = (G + λI)⁻¹, the item-item weights
are the closed form

    B = I - P · diag(1 / diag(P)),   i.e. B_ij = -P_ij / P_jj and B_jj = 0,

and a customer's scores are the row of X·B. Each customer is recommended the first k allowed
products (the baselines' candidate rule) by score, ties by product id after rounding the
scores to 12 decimals.

Scale: the inverse is dense, so the item set is restricted to products bought by at least
EASE_MIN_CUSTOMERS customers in the window, capped at the EASE_MAX_ITEMS most bought (by
customers, ties by product id). A 5,000 × 5,000 float64 inverse takes a few seconds and
200 MB. Products outside the item set are never recommended by EASE.

λ is chosen on a validation split that ends at the scored cutoff T: a history as of
T - horizon and targets in (T - horizon, T] (first-time purchases there). Only lines dated on
or before T are accepted, so the scored horizon cannot influence the choice
(`select_lambda` raises on a later line). The grid is EASE_LAMBDAS; the λ with the highest
NDCG@k wins, ties to the smaller λ.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from scipy import linalg, sparse

from ipre.evaluation.baselines import SCORE_DECIMALS, History, Recommendations
from ipre.evaluation.metrics import evaluate
from ipre.evaluation.split import Split
from ipre.evaluation.targets import Line, bought_before, first_time_targets

EASE_MAX_ITEMS = 5000
EASE_MIN_CUSTOMERS = 2
EASE_LAMBDAS: tuple[float, ...] = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
EASE_CHUNK_CUSTOMERS = 1024


def item_set(bought: sparse.csr_matrix, products: Sequence[str]) -> list[int]:
    """Columns kept: bought by >= EASE_MIN_CUSTOMERS customers, the EASE_MAX_ITEMS most
    bought (ties by product id), returned in product-id order."""
    counts = np.asarray(bought.sum(axis=0)).ravel()
    eligible = [j for j in range(len(products)) if counts[j] >= EASE_MIN_CUSTOMERS]
    eligible.sort(key=lambda j: (-counts[j], products[j]))
    return sorted(eligible[:EASE_MAX_ITEMS], key=lambda j: products[j])


def ease_weights(gram: np.ndarray, lam: float) -> np.ndarray:
    """B = I - P diag(1/diag(P)), P = (G + λI)⁻¹; the diagonal of B is exactly 0."""
    regularised = np.array(gram, dtype=np.float64, copy=True)
    regularised[np.diag_indices_from(regularised)] += lam
    weights = linalg.inv(regularised, overwrite_a=True, check_finite=False)  # P, then B
    weights /= -np.diag(weights).copy()[np.newaxis, :]  # B_ij = -P_ij / P_jj (in place)
    np.fill_diagonal(weights, 0.0)  # B_jj = 1 - P_jj / P_jj
    return weights


def binary_matrix(history: History) -> tuple[sparse.csr_matrix, list[str], list[str]]:
    """Binary customer × product matrix of the window purchases (in-scope customers)."""
    customers = history.customers
    products = sorted({p for c in customers for p in history.affinity.get(c, {})})
    column = {p: j for j, p in enumerate(products)}
    rows = [i for i, c in enumerate(customers) for _ in history.affinity.get(c, {})]
    cols = [column[p] for c in customers for p in history.affinity.get(c, {})]
    data = np.ones(len(rows), dtype=np.float64)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(customers), len(products)))
    return matrix, customers, products


@dataclass(frozen=True)
class EaseModel:
    """X restricted to the item set, and the item ids (product-id order)."""

    matrix: sparse.csr_matrix
    customers: list[str]
    items: list[str]

    @classmethod
    def fit_data(cls, history: History) -> EaseModel:
        matrix, customers, products = binary_matrix(history)
        keep = item_set(matrix, products)
        return cls(matrix[:, keep].tocsr(), customers, [products[j] for j in keep])

    def gram(self) -> np.ndarray:
        return np.asarray((self.matrix.T @ self.matrix).toarray(), dtype=np.float64)

    def rows_of(self, customers: Iterable[str]) -> EaseModel:
        """The same items with only the rows of `customers` (to score fewer customers)."""
        wanted = set(customers)
        rows = [i for i, c in enumerate(self.customers) if c in wanted]
        return EaseModel(self.matrix[rows].tocsr(), [self.customers[i] for i in rows], self.items)


def recommend(model: EaseModel, weights: np.ndarray, history: History, k: int) -> Recommendations:
    """Top k allowed items per customer by X·B, ties by product id."""
    items = np.array(model.items, dtype=object)
    in_stock = np.array([p in history.in_stock for p in model.items])
    column = {p: j for j, p in enumerate(model.items)}
    recommendations: Recommendations = {c: [] for c in model.customers}
    if not model.items:
        return recommendations
    for start in range(0, len(model.customers), EASE_CHUNK_CUSTOMERS):
        block = model.matrix[start : start + EASE_CHUNK_CUSTOMERS]
        scores = np.round(np.asarray(block @ weights), SCORE_DECIMALS)
        scores[:, ~in_stock] = -np.inf
        for offset in range(scores.shape[0]):
            customer = model.customers[start + offset]
            known = set(history.bought.get(customer, ())) | set(history.affinity.get(customer, {}))
            banned = [column[p] for p in known if p in column]
            scores[offset, banned] = -np.inf
        # a stable sort keeps product-id order among equal scores
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        for offset, picked in enumerate(order):
            customer = model.customers[start + offset]
            finite = np.isfinite(scores[offset, picked])
            recommendations[customer] = list(items[picked[finite]])
    return recommendations


def ease(history: History, k: int, lam: float) -> Recommendations:
    model = EaseModel.fit_data(history)
    weights = ease_weights(model.gram(), lam) if model.items else np.zeros((0, 0))
    return recommend(model, weights, history, k)


@dataclass(frozen=True)
class LambdaChoice:
    lam: float
    validation_cutoff: str
    n_customers: int
    ndcg_by_lambda: dict[float, float | None]


def validation_history(
    lines: Iterable[Line], split: Split, in_stock: frozenset[str], window_days: int
) -> History:
    """A History as of split.cutoff built from invoice lines: customers and affinity from the
    lines dated in [cutoff - window_days, cutoff] (affinity = distinct purchase days),
    bought = every product on or before the cutoff. Segments are not needed by EASE."""
    start = split.cutoff - timedelta(days=window_days)
    days: dict[str, dict[str, set]] = {}
    materialised = list(lines)
    for customer, product, day in materialised:
        if start <= day <= split.cutoff:
            days.setdefault(customer, {}).setdefault(product, set()).add(day)
    affinity = {c: {p: float(len(d)) for p, d in products.items()} for c, products in days.items()}
    return History(
        segment_of={c: "" for c in affinity},
        affinity=affinity,
        bought=bought_before(materialised, split),
        in_stock=in_stock,
    )


def select_lambda(
    lines_to_cutoff: Sequence[Line],
    split: Split,
    in_stock: frozenset[str],
    window_days: int,
    k: int,
    grid: Sequence[float] = EASE_LAMBDAS,
) -> LambdaChoice:
    """The λ of `grid` with the best NDCG@k on the validation split (split.cutoff - horizon,
    targets in (split.cutoff - horizon, split.cutoff]).

    `lines_to_cutoff` must hold only lines dated on or before split.cutoff: the scored
    horizon is not an input. A later line raises ValueError.
    """
    late = [line for line in lines_to_cutoff if line[2] > split.cutoff]
    if late:
        raise ValueError(
            f"{len(late)} lines after the cutoff {split.cutoff}: λ would see the horizon"
        )
    validation = Split(split.cutoff - timedelta(days=split.horizon_days), split.horizon_days)
    history = validation_history(lines_to_cutoff, validation, in_stock, window_days)
    targets = first_time_targets(lines_to_cutoff, validation)
    model = EaseModel.fit_data(history)
    customers = [c for c in history.customers if targets.get(c)]
    scores: dict[float, float | None] = {}
    if model.items and customers:
        gram = model.gram()  # fitted on every validation customer
        scored = model.rows_of(customers)  # scored: only those with a validation target
        for lam in grid:
            lists = recommend(scored, ease_weights(gram, lam), history, k)
            scores[float(lam)] = evaluate(lists, targets, k, customers=customers).ndcg
    else:
        scores = {float(lam): None for lam in grid}
    ranked = [lam for lam in scores if scores[lam] is not None]
    best = max(ranked, key=lambda lam: (scores[lam], -lam)) if ranked else float(grid[0])
    return LambdaChoice(best, validation.cutoff.isoformat(), len(customers), scores)
