"""The floor: DuckDB scanning the raw invoices once and grouping them by customer × product.

No pipeline can be faster than reading its input once and aggregating it to the grain of the
market basket, so this is the yardstick for the full pipeline. Run as a child process by
run_bench (so its peak memory is its own): python -m bench.floor INVOICES.parquet OUT.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

FLOOR_SQL = """
create temp table customer_products as
select
    customer_id,
    product_id,
    count(*) as invoice_lines,
    sum(try_cast(quantity as double)) as total_quantity
from read_parquet('{path}')
group by customer_id, product_id
"""


def floor_seconds(invoices: Path, threads: int = 2) -> tuple[float, int]:
    """Seconds to scan and group (best of two runs: the second has a warm page cache), and
    the number of customer × product groups."""
    timings = []
    with duckdb.connect(config={"threads": str(threads)}) as con:
        for _ in range(2):
            con.execute("drop table if exists customer_products")
            start = time.perf_counter()
            con.execute(FLOOR_SQL.format(path=invoices))
            timings.append(time.perf_counter() - start)
        groups = con.execute("select count(*) from customer_products").fetchone()[0]
    return min(timings), int(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("invoices", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    seconds, groups = floor_seconds(args.invoices)
    args.out.write_text(json.dumps({"seconds": seconds, "groups": groups}))


if __name__ == "__main__":
    main()
