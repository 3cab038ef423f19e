"""The spec's columns per input and the header names that map onto them.

A header matches a spec column when both normalise to the same name (case, spaces,
underscores and hyphens ignored: `Customer ID` is `customer_id`), as the build matches them;
otherwise a common ERP name is proposed (`StockCode` -> product_id). Only a proposal needs a
`<entity>_columns` entry in the vars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ENTITIES = ("invoices", "customers", "products", "feedback")

REQUIRED: dict[str, tuple[str, ...]] = {
    "invoices": ("invoice_date", "customer_id", "product_id", "quantity"),
    "customers": ("customer_id",),
    "products": ("product_id",),
    "feedback": ("customer_id", "product_id", "rating", "feedback_date"),
}

# master attributes the invoice lines may carry: they feed the derived masters
CUSTOMER_ATTRIBUTES = ("region", "end_use", "customer_name")
PRODUCT_ATTRIBUTES = (
    "product_name", "brand", "l2_category", "l3_category", "functionality", "unit_price",
)  # fmt: skip

OPTIONAL: dict[str, tuple[str, ...]] = {
    "invoices": ("invoice_id", "unit_price", *PRODUCT_ATTRIBUTES[:-1], *CUSTOMER_ATTRIBUTES),
    "customers": CUSTOMER_ATTRIBUTES,
    "products": (*PRODUCT_ATTRIBUTES[:-1], "in_stock", "unit_price"),
    "feedback": ("reason_code", "sentiment"),
}

# Common ERP / spreadsheet names, normalised, in order of preference (the first header found
# wins). Names the spec column already normalises to (CustomerID) need no entry.
ALIASES: dict[str, tuple[str, ...]] = {
    "product_id": ("stockcode", "sku", "itemcode", "item", "productcode", "itemno", "article"),
    "customer_id": ("customerid", "account", "customerno", "customernumber", "accountno"),
    "invoice_id": ("invoiceno", "invoice", "orderid", "orderno", "documentno", "invoicenumber"),
    "invoice_date": ("invoicedate", "orderdate", "date", "documentdate"),
    "feedback_date": ("feedbackdate", "date"),
    "quantity": ("qty", "quantity"),
    "unit_price": ("unitprice", "price"),
    "region": ("country", "region"),
    "product_name": ("description", "productname", "itemdescription"),
}


def normalise(name: str) -> str:
    """The name as the build compares names: lower case, no spaces, underscores or hyphens."""
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def spec_columns(entity: str) -> tuple[str, ...]:
    return REQUIRED[entity] + OPTIONAL[entity]


@dataclass
class ColumnMatch:
    """Spec column -> the file's header name, and how each was found."""

    found: dict[str, str] = field(default_factory=dict)
    proposed: set[str] = field(default_factory=set)  # found by an ERP alias: needs a var
    missing_required: list[str] = field(default_factory=list)

    def var_entries(self) -> dict[str, str]:
        """The `<entity>_columns` entries: only what the build would not match by itself."""
        return {spec: self.found[spec] for spec in self.found if spec in self.proposed}


def match_columns(entity: str, header: list[str]) -> ColumnMatch:
    """Match a header to the spec columns: normalised names first, then the ERP aliases."""
    by_name = {}
    for name in header:
        by_name.setdefault(normalise(name), name)  # a repeated name: the first one
    match = ColumnMatch()
    taken: set[str] = set()
    for spec in spec_columns(entity):
        if normalise(spec) in by_name:
            match.found[spec] = by_name[normalise(spec)]
            taken.add(match.found[spec])
    for spec in spec_columns(entity):
        if spec in match.found:
            continue
        for alias in ALIASES.get(spec, ()):
            name = by_name.get(alias)
            if name is not None and name not in taken:
                match.found[spec] = name
                match.proposed.add(spec)
                taken.add(name)
                break
    match.missing_required = [spec for spec in REQUIRED[entity] if spec not in match.found]
    return match
