"""The ranker's features, by group: one list for the fit, the ablation and the reasons."""

from __future__ import annotations

from types import MappingProxyType

# Each group is a question the Account Manager could ask; the reason names the group that
# contributed most (ipre.ranker.reasons). customer and price explain nothing on their own.
FEATURE_GROUPS = MappingProxyType(
    {
        "similarity": (
            "evidence_score",
            "group_evidence_score",
            "supporting_purchases",
            "similarity_score",
            "similarity_rank",
            "similarity_relative",
            "evidence_30d",
            "evidence_90d",
            "evidence_frequency_weighted",
        ),
        "last_invoice": ("last_invoice_score", "last_invoice_rank"),
        "segment": ("segment_share", "segment_rank"),
        "trend": (
            "momentum",
            "momentum_factor",
            "window_customers",
            "recent_customers",
            "previous_customers",
            "customers_7d",
            "customers_30d",
            "customers_90d",
            "new_buyers_30d",
            "new_buyers_90d",
            "days_since_first_sale",
        ),
        "category": ("l3_share", "l2_share"),
        "price": ("unit_price", "price_ratio"),
        "customer": (
            "rfm_recency_score",
            "rfm_frequency_score",
            "rfm_monetary_score",
            "rfm_frequency",
            "days_since_purchase",
            "products_bought",
        ),
    }
)

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
