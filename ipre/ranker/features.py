"""The ranker's features, by group: one list for the fit, the ablation and the reasons."""

from __future__ import annotations

from types import MappingProxyType

# Each group is a question the Account Manager could ask; the reason names the group that
# contributed most (ipre.ranker.reasons). customer and price explain nothing on their own.
FEATURE_GROUPS = MappingProxyType(
    {
        "similarity": (
            "evidence_score", "group_evidence_score", "supporting_purchases",
            "similarity_rank", "similarity_relative", "evidence_30d", "evidence_90d",
            "evidence_momentum", "evidence_momentum_rank",
        ),
        "last_invoice": ("last_invoice_score", "last_invoice_rank"),
        "segment": ("segment_share", "segment_rank"),
        "trend": (
            "momentum", "window_buyers", "buyers_7d", "buyers_30d", "buyers_90d",
            "new_buyers_30d", "new_buyers_90d", "days_since_first_sale", "new_product_rank",
        ),
        "category": ("l3_share", "l2_share"),
        "price": ("unit_price", "price_ratio"),
        "customer": (
            "products_bought", "purchase_days", "days_since_purchase", "days_as_customer",
            "spend",
        ),
    }
)  # fmt: skip

FEATURES: tuple[str, ...] = tuple(name for group in FEATURE_GROUPS.values() for name in group)
GROUP_OF = MappingProxyType(
    {name: group for group, names in FEATURE_GROUPS.items() for name in names}
)


def without_groups(dropped: frozenset[str]) -> tuple[str, ...]:
    """The feature list with whole groups left out (the ablation)."""
    unknown = dropped - FEATURE_GROUPS.keys()
    if unknown:
        raise ValueError(f"unknown feature groups: {', '.join(sorted(unknown))}")
    return tuple(name for name in FEATURES if GROUP_OF[name] not in dropped)
