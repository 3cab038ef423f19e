"""ground_truth.json: what the generator planted, so tests can check what the pipeline finds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ipre.generate.bundles import Bundles, planted_pairs
from ipre.generate.customers import Customers, archetype_labels
from ipre.generate.invoices import Lines
from ipre.generate.params import Params
from ipre.generate.taxonomy import N_ARCHETYPES_PER_TRADE, TRADES


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _bundles_by_trade(bundles: Bundles) -> dict[str, list[dict[str, object]]]:
    labels = archetype_labels()
    out: dict[str, list[dict[str, object]]] = {t.name: [] for t in TRADES}
    for b, arch in enumerate(bundles.archetype().tolist()):
        members = bundles.members[b, : bundles.size[b]].tolist()
        out[TRADES[arch // N_ARCHETYPES_PER_TRADE].name].append(
            {
                "bundle_id": f"B{b + 1:03d}",
                "archetype": labels[arch],
                "products": [f"P{p + 1:05d}" for p in members],
            }
        )
    return out


def _pairs(bundles: Bundles) -> list[dict[str, str]]:
    arch = bundles.archetype()
    return [
        {
            "end_use": TRADES[int(arch[b]) // N_ARCHETYPES_PER_TRADE].name,
            "bundle_id": f"B{b + 1:03d}",
            "product_a": f"P{a + 1:05d}",
            "product_b": f"P{c + 1:05d}",
        }
        for b, a, c in planted_pairs(bundles)
    ]


def ground_truth(
    params: Params,
    files: dict[str, str],
    cust: Customers,
    bundles: Bundles,
    lines: Lines,
    counts: dict[str, int],
    dirt: dict[str, dict[str, int]],
) -> dict[str, Any]:
    labels = archetype_labels()
    archetypes = {
        f"{t.name}/{a.name}": {"end_use": t.name, "focus_l2": list(a.focus)}
        for t in TRADES
        for a in t.archetypes
    }
    return {
        "generator": "ipre.generate",
        "seed": params.seed,
        "parameters": params.as_json(),
        "files": files,
        "reference_date": _iso(int(lines.invoice_ts.max()))[:10],
        "reference_timestamp": _iso(int(lines.invoice_ts.max())),
        "first_timestamp": _iso(int(lines.invoice_ts.min())),
        "counts": counts,
        "dirty_rows": {**dirt, "total": sum(sum(d.values()) for d in dirt.values())},
        "archetypes": archetypes,
        "planted_bundles": _bundles_by_trade(bundles),
        "planted_pairs": _pairs(bundles),
        "customer_archetypes": {
            f"C{i + 1:05d}": labels[a] for i, a in enumerate(cust.archetype.tolist())
        },
    }
