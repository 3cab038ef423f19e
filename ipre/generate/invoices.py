"""Invoice lines: heavy-tailed accounts, seasonal dates, archetype-driven products, and the
planted bundles bought together (same invoice) or within days (a follow-up invoice).

Basket sizes: an invoice has 1 + a gamma-spread share of the base lines (mean ~1.8, longest
~20 lines at 10M rows) plus any bundle lines attached to it (2-3 each, rarely more than one
bundle). The largest account is ~25x the mean account (see customers.SIZE_Z_CAP); at
--lines 10,000,000 that is ~1,000 lines over three years, ~150-250 lines per 90-day basket
window, i.e. ~10-20k product pairs for that single basket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipre.generate.affinity import sample_products
from ipre.generate.bundles import MAX_BUNDLE_SIZE, TRIPLE_SHARE, Bundles
from ipre.generate.calendar import DAY, last_timestamp, sample_timestamps
from ipre.generate.catalogue import Catalogue
from ipre.generate.customers import Customers
from ipre.generate.params import Params
from ipre.generate.sorting import stable_argsort
from ipre.generate.taxonomy import L2_CATEGORIES, N_ARCHETYPES_PER_TRADE

OWN_ARCHETYPE_SHARE = 0.75  # bundles are mostly bought by the archetype they belong to
SPLIT_SHARE = 0.4  # share of bundle purchases completed on a follow-up invoice
MAX_FOLLOW_UP_DAYS = 10


@dataclass(frozen=True)
class Lines:
    """Clean invoice lines sorted by invoice number then product; invoices numbered by time."""

    invoice: np.ndarray  # int64 invoice number, 0-based, chronological
    customer: np.ndarray  # int32
    product: np.ndarray  # int32
    quantity: np.ndarray  # int32
    invoice_ts: np.ndarray  # int64 UTC epoch seconds, indexed by invoice number

    @property
    def size(self) -> int:
        return int(self.invoice.size)


def _headers(
    params: Params, cust: Customers, n_inv: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Invoice customer and timestamp. Every customer has one invoice; the rest follow the
    heavy-tailed activity weights."""
    extra = rng.choice(cust.size, n_inv - cust.size, p=cust.weight / cust.weight.sum())
    customer = np.concatenate([np.arange(cust.size), extra]).astype(np.int32)
    last = last_timestamp(params)
    ts = np.minimum(sample_timestamps(n_inv, params, rng), last)
    ts[np.argmax(ts)] = last  # the data always ends on the fixed reference date
    return customer, ts


def _bundle_choice(arch: np.ndarray, bundles: Bundles, rng: np.random.Generator) -> np.ndarray:
    """Bundle bought by each event: the customer's trade, mostly its own archetype's bundles."""
    n, per = arch.size, bundles.per_archetype
    trade, own = arch // N_ARCHETYPES_PER_TRADE, arch % N_ARCHETYPES_PER_TRADE
    other = rng.integers(0, N_ARCHETYPES_PER_TRADE, n)
    k = np.where(rng.random(n) < OWN_ARCHETYPE_SHARE, own, other)
    return (trade * N_ARCHETYPES_PER_TRADE + k) * per + rng.integers(0, per, n)


def _bundle_events(
    params: Params,
    n_events: int,
    cust: Customers,
    bundles: Bundles,
    headers: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bundle lines (invoice, product) plus the follow-up invoices (customer, ts) they need.
    Anchors are drawn uniformly over invoices, so busy accounts buy bundles more often."""
    inv_customer, inv_ts = headers
    anchor = rng.integers(0, inv_customer.size, n_events)
    customer = inv_customer[anchor]
    chosen = _bundle_choice(cust.archetype[customer].astype(np.int64), bundles, rng)
    size = bundles.size[chosen].astype(np.int64)
    event = np.repeat(np.arange(n_events), size)
    pos = np.arange(event.size) - np.repeat(np.cumsum(size) - size, size)
    product = bundles.members[chosen[event], pos]
    split = rng.random(n_events) < SPLIT_SHARE
    follow_inv = inv_customer.size + np.cumsum(split) - 1
    line_inv = np.where(split[event] & (pos > 0), follow_inv[event], anchor[event])
    delay = rng.integers(1, MAX_FOLLOW_UP_DAYS + 1, n_events) * DAY
    follow_ts = np.minimum(inv_ts[anchor] + delay, last_timestamp(params))[split]
    return line_inv, product, customer[split], follow_ts


def _repertoire(
    customer: np.ndarray, product: np.ndarray, share: float, rng: np.random.Generator
) -> np.ndarray:
    """B2B accounts re-order what they know: a share of lines copies another line's product
    of the same customer."""
    order = stable_argsort(customer)
    counts = np.bincount(customer)
    starts = np.cumsum(counts) - counts
    pick = np.flatnonzero(rng.random(customer.size) < share)
    c = customer[pick]
    source = order[starts[c] + (rng.random(pick.size) * counts[c]).astype(np.int64)]
    out = product.copy()
    out[pick] = product[source]
    return out


def _base_lines(
    params: Params,
    n_base: int,
    inv_customer: np.ndarray,
    cust: Customers,
    cdf: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    n_inv = inv_customer.size
    spread = rng.gamma(1.0, 1.0, n_inv)
    sizes = 1 + rng.multinomial(n_base - n_inv, spread / spread.sum())
    inv = np.repeat(np.arange(n_inv), sizes)
    customer = inv_customer[inv]
    product = sample_products(cdf, params.n_products, cust.archetype[customer], rng)
    return inv, _repertoire(customer, product, params.repeat_share, rng)


def _duplicates(inv: np.ndarray, product: np.ndarray, n_products: int) -> np.ndarray:
    """Positions repeating an (invoice, product) seen earlier in the arrays."""
    key = inv.astype(np.int64) * n_products + product
    order = stable_argsort(key)
    ordered = key[order]
    return np.sort(order[1:][ordered[1:] == ordered[:-1]])


def _dedupe(
    inv: np.ndarray,
    product: np.ndarray,
    arch: np.ndarray,
    cdf: np.ndarray,
    n_products: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """One line per product per invoice: later repeats are redrawn. After the first pass only
    the affected invoices are re-checked, which keeps 10M rows fast."""
    product = product.copy()
    subset = np.arange(inv.size)
    for _ in range(100):
        dup = subset[_duplicates(inv[subset], product[subset], n_products)]
        if dup.size == 0:
            return product
        product[dup] = sample_products(cdf, n_products, arch[dup], rng)
        affected = np.zeros(int(inv.max()) + 1, dtype=bool)
        affected[inv[dup]] = True
        subset = np.flatnonzero(affected[inv])
    raise RuntimeError("could not make products unique within invoices")


def _quantities(
    cat: Catalogue,
    cust: Customers,
    customer: np.ndarray,
    product: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    typical = np.array([c.typical_qty for c in L2_CATEGORIES])[cat.l2[product]]
    lot = cust.weight[customer] ** 0.15  # bigger accounts order in bigger lots
    q = rng.lognormal(np.log(typical * lot), 0.7)
    return np.maximum(1, np.rint(q)).astype(np.int32)


def _finalise(
    line_inv: np.ndarray,
    product: np.ndarray,
    customer: np.ndarray,
    quantity: np.ndarray,
    inv_ts: np.ndarray,
    n_products: int,
) -> Lines:
    """Number invoices chronologically and sort lines by (invoice number, product)."""
    by_time = np.argsort(inv_ts, kind="stable")
    number = np.empty(by_time.size, dtype=np.int64)
    number[by_time] = np.arange(by_time.size)
    line_no = number[line_inv]
    order = stable_argsort(line_no * n_products + product)
    return Lines(
        invoice=line_no[order],
        customer=customer[order],
        product=product[order],
        quantity=quantity[order],
        invoice_ts=inv_ts[by_time],
    )


def build_invoices(
    params: Params,
    cust: Customers,
    cat: Catalogue,
    bundles: Bundles,
    cdf: np.ndarray,
    rng: np.random.Generator,
) -> Lines:
    n_events = round(params.bundle_share * params.n_lines / (2 + TRIPLE_SHARE))
    n_inv = int((params.n_lines - MAX_BUNDLE_SIZE * n_events) / params.base_lines_per_invoice)
    if n_inv < cust.size:
        raise ValueError("too few lines for the number of customers")
    inv_customer, inv_ts = _headers(params, cust, n_inv, rng)
    b_inv, b_prod, f_cust, f_ts = _bundle_events(
        params, n_events, cust, bundles, (inv_customer, inv_ts), rng
    )
    base_inv, base_prod = _base_lines(
        params, params.n_lines - b_inv.size, inv_customer, cust, cdf, rng
    )
    all_customer = np.concatenate([inv_customer, f_cust])
    # Bundle lines come first so that de-duplication keeps them and redraws base lines.
    line_inv = np.concatenate([b_inv, base_inv])
    customer = all_customer[line_inv]
    product = _dedupe(
        line_inv,
        np.concatenate([b_prod, base_prod]),
        cust.archetype[customer],
        cdf,
        params.n_products,
        rng,
    )
    quantity = _quantities(cat, cust, customer, product, rng)
    return _finalise(
        line_inv, product, customer, quantity, np.concatenate([inv_ts, f_ts]), params.n_products
    )
