"""`ipre generate`: write the seeded synthetic raw inputs and their ground truth.

ipre generate --scale {poc,50k} | --lines N  --out DIR [--format csv|parquet]
              [--seed 42] [--dirty-share F] [--file-prefix raw_]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ipre.generate.affinity import cumulative, product_weights
from ipre.generate.bundles import Bundles, plant_bundles
from ipre.generate.catalogue import Catalogue, build_catalogue, product_ids, products_table
from ipre.generate.customers import Customers, build_customers, customer_ids, customers_table
from ipre.generate.dirty import dirty_customers, dirty_products, plan_invoice_dirt
from ipre.generate.feedback import build_feedback
from ipre.generate.invoices import Lines, build_invoices
from ipre.generate.params import PARQUET_ABOVE_LINES, SCALES, Params, make_params, stream
from ipre.generate.render import INVOICE_SCHEMA, InvoiceRenderer, date_styles
from ipre.generate.truth import ground_truth
from ipre.generate.writer import FORMATS, TableSink, output_path, write_json, write_table

CHUNK_ROWS = 1_000_000
TABLES = ("customers", "products", "invoices", "feedback")
DEFAULT_DIRTY_SHARE = 0.01


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ipre generate", description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--scale", choices=sorted(SCALES), help="named dataset size")
    size.add_argument("--lines", type=int, help="invoice lines (customers/products grow too)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--format", choices=FORMATS, help="default: csv, parquet above 1M lines")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same files)")
    parser.add_argument(
        "--dirty-share",
        type=float,
        default=DEFAULT_DIRTY_SHARE,
        help="share of rows made unusable on purpose (each lands in quarantined_rows)",
    )
    parser.add_argument("--file-prefix", default="", help="e.g. raw_ -> raw_customers.csv")
    parser.add_argument(
        "--products", type=int, help="catalogue size (default: grows with the lines)"
    )
    return parser.parse_args(argv)


def default_format(n_lines: int) -> str:
    return "parquet" if n_lines > PARQUET_ABOVE_LINES else "csv"


def _write_invoices(renderer: InvoiceRenderer, path: Path, fmt: str) -> None:
    n = renderer.lines.size
    with TableSink(path, INVOICE_SCHEMA, fmt) as sink:
        for start in range(0, n, CHUNK_ROWS):
            sink.write(renderer.chunk(start, min(n, start + CHUNK_ROWS)))


def _model(params: Params) -> tuple[Catalogue, Customers, Bundles, Lines, np.ndarray]:
    """Catalogue, customers, planted bundles and clean invoice lines (plus the sampler CDF)."""
    seed = params.seed
    cat = build_catalogue(params, stream(seed, "catalogue"))
    cust = build_customers(params, stream(seed, "customers"))
    weights = product_weights(cat)
    cdf = cumulative(weights)
    bundles = plant_bundles(params, cat, weights, stream(seed, "bundles"))
    lines = build_invoices(params, cust, cat, bundles, cdf, stream(seed, "invoices"))
    return cat, cust, bundles, lines, cdf


def _counts(cat: Catalogue, cust: Customers, lines: Lines, feedback: pa.Table) -> dict[str, int]:
    return {
        "customers": cust.size,
        "products": cat.size,
        "invoice_lines": lines.size,
        "invoices": int(lines.invoice_ts.size),
        "feedback_rows": feedback.num_rows,
        "out_of_stock_products": int((~cat.in_stock).sum()),
        "largest_invoice_lines": int(np.bincount(lines.invoice).max()),
        "largest_customer_lines": int(np.bincount(lines.customer).max()),
    }


def generate(params: Params, out: Path, fmt: str, prefix: str) -> dict[str, Any]:
    """Build every table from independent seeded streams, write them, return the truth."""
    seed, share = params.seed, params.dirty_share
    cat, cust, bundles, lines, cdf = _model(params)
    feedback = build_feedback(params, cust, cat, lines, cdf, stream(seed, "feedback"))
    customers, c_dirt = dirty_customers(
        customers_table(cust, stream(seed, "customer-names")), share, stream(seed, "dirt-c")
    )
    products, p_dirt = dirty_products(
        products_table(cat, stream(seed, "product-names")), share, stream(seed, "dirt-p")
    )
    inv_dirt = plan_invoice_dirt(
        lines.invoice_ts[lines.invoice], share, cust.size, cat.size, stream(seed, "dirt-i")
    )
    files = {name: output_path(out, prefix, name, fmt).name for name in TABLES}
    out.mkdir(parents=True, exist_ok=True)
    write_table(customers, out / files["customers"], fmt)
    write_table(products, out / files["products"], fmt)
    styles = date_styles(lines.invoice_ts.size, stream(seed, "date-styles"))
    ids = pa.array(customer_ids(cust.size)), pa.array(product_ids(cat.size))
    renderer = InvoiceRenderer(lines, styles, inv_dirt, ids[0], ids[1], params)
    _write_invoices(renderer, out / files["invoices"], fmt)
    write_table(feedback, out / files["feedback"], fmt)
    dirt = {"invoices": inv_dirt.counts(), "customers": c_dirt, "products": p_dirt}
    counts = _counts(cat, cust, lines, feedback)
    truth = ground_truth(params, files, cust, bundles, lines, counts, dirt)
    write_json(truth, out / "ground_truth.json")
    return truth


def _report(truth: dict[str, Any], out: Path, seconds: float) -> str:
    counts, dirt = truth["counts"], truth["dirty_rows"]
    return (
        f"ipre generate: wrote {out} in {seconds:.1f}s: {counts['customers']:,} customers, "
        f"{counts['products']:,} products, {counts['invoice_lines']:,} invoice lines "
        f"({counts['invoices']:,} invoices) {truth['first_timestamp']} .. "
        f"{truth['reference_timestamp']}, {counts['feedback_rows']:,} feedback rows, "
        f"{len(truth['planted_pairs']):,} planted pairs, {dirt['total']:,} dirty rows"
    )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        params = make_params(args.scale, args.lines, args.seed, args.dirty_share, args.products)
    except ValueError as err:
        print(f"ipre generate: {err}", file=sys.stderr)
        return 2
    fmt = args.format or default_format(params.n_lines)
    started = time.perf_counter()
    truth = generate(params, args.out, fmt, args.file_prefix)
    print(_report(truth, args.out, time.perf_counter() - started))
    return 0
