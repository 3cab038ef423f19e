"""Feedback calibration end to end (spec §4.6): build without feedback, then with generated
feedback on one customer, and watch a Low-rated product drop below the cutoff and a High-rated
one rise. Also: without feedback the published table equals the ranked one, and the Parquet
export carries exactly the columns the serving container requires.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import ROOT, build_warehouse, rebuild_copy

from ipre import export

sys.path.insert(0, str(ROOT / "serve"))
from ipre_serve.loader import REQUIRED_COLUMNS  # noqa: E402

VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
CUTOFF = float(VARS["score_cutoff"])
COLUMNS = list(REQUIRED_COLUMNS)
# market_basket: read by the test; a view over int_market_basket, which the ranking reads
RANKED_SELECT = "+recommendations +recommendations_ranked market_basket"
FEEDBACK_SELECT = (
    "raw_file_feedback stg_crm__feedback int_feedback_validated int_feedback_weights"
    " recommendations feedback_summary"
)


def read(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def pick_customer(ranked: pd.DataFrame) -> tuple[str, str, str]:
    """A customer whose last product, boosted by weight_high, would outscore the one above it;
    returns (customer, product to rate Low = rank 1, product to rate High = last rank)."""
    boost = float(VARS["weight_high"])
    for customer, rows in ranked.sort_values(["customer_id", "rank"]).groupby("customer_id"):
        if len(rows) < 3:
            continue
        last, above = rows.iloc[-1], rows.iloc[-2]
        first = rows.iloc[0]
        low_weight = float(VARS["weight_low"])
        if min(last.score * boost, 1.0) > above.score and first.score * low_weight < CUTOFF:
            return str(customer), str(first.recommended_product), str(last.recommended_product)
    raise AssertionError("no customer suits the scenario")


def write_feedback(path: Path, customer: str, low: str, high: str, day: str) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "product_id", "rating", "reason_code", "sentiment",
                         "feedback_date"])
        writer.writerow([customer, low, "Low", "not_relevant", "", day])
        writer.writerow([customer, high, "High", "good_fit", "positive", day])
    return path


@pytest.fixture(scope="module")
def no_feedback_db(generated_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("feedback_effect") / "no_feedback.duckdb"
    no_feedback = {"feedback_path": "none"}
    build_warehouse(generated_data, db, vars=no_feedback, command="seed",
                    select="feedback_reason_codes")
    return build_warehouse(generated_data, db, vars=no_feedback, select=RANKED_SELECT)


@pytest.fixture(scope="module")
def scenario(no_feedback_db: Path, generated_data: Path) -> dict[str, object]:
    ranked = read(no_feedback_db, "select * from recommendations_ranked")
    customer, low, high = pick_customer(ranked)
    day = str(read(no_feedback_db, "select reference_date from market_basket limit 1").iloc[0, 0])
    feedback = write_feedback(no_feedback_db.parent / "feedback.csv", customer, low, high, day)
    db = rebuild_copy(no_feedback_db, generated_data, no_feedback_db.parent / "feedback.duckdb",
                      vars={"feedback_path": str(feedback)}, select=FEEDBACK_SELECT)
    return {"db": db, "ranked": ranked, "customer": customer, "low": low, "high": high}


def test_without_feedback_recommendations_equal_ranked(no_feedback_db: Path) -> None:
    columns, order = ", ".join(COLUMNS), "order by customer_id, rank"
    ranked = read(no_feedback_db, f"select {columns} from recommendations_ranked {order}")
    final = read(no_feedback_db, f"select {columns} from recommendations {order}")
    assert len(final) > 0
    pd.testing.assert_frame_equal(final, ranked)


def test_low_rating_drops_below_cutoff(scenario: dict[str, object]) -> None:
    ranked = scenario["ranked"]
    before = ranked[(ranked.customer_id == scenario["customer"])
                    & (ranked.recommended_product == scenario["low"])]
    assert float(before.score.iloc[0]) * float(VARS["weight_low"]) < CUTOFF
    final = read(scenario["db"], f"select * from recommendations "
                 f"where customer_id = '{scenario['customer']}'")
    assert scenario["low"] not in set(final.recommended_product)
    assert final["rank"].tolist() == list(range(1, len(final) + 1))


def test_high_rating_rises(scenario: dict[str, object]) -> None:
    ranked = scenario["ranked"]
    mine = ranked[ranked.customer_id == scenario["customer"]].sort_values("rank")
    before = mine[mine.recommended_product == scenario["high"]].iloc[0]
    overtaken = mine.iloc[-2].recommended_product  # the product just above it before feedback
    final = read(scenario["db"], f"select * from recommendations "
                 f"where customer_id = '{scenario['customer']}' order by rank")
    after = final[final.recommended_product == scenario["high"]].iloc[0]
    assert after.score == pytest.approx(min(before.score * float(VARS["weight_high"]), 1.0))
    assert after.score > before.score
    rank_of = dict(zip(final.recommended_product, final["rank"], strict=True))
    assert rank_of[scenario["high"]] < rank_of[overtaken]
    assert "feedback High" in after.reason


def test_customers_without_feedback_keep_their_order(scenario: dict[str, object]) -> None:
    ranked = scenario["ranked"]
    others = ranked[(ranked.customer_id != scenario["customer"]) & (ranked.score >= CUTOFF)]
    final = read(scenario["db"], f"select * from recommendations "
                 f"where customer_id != '{scenario['customer']}'")
    key = ["customer_id", "rank"]
    expected = others.sort_values(key)[["customer_id", "recommended_product", "score"]]
    actual = final.sort_values(key)[["customer_id", "recommended_product", "score"]]
    pd.testing.assert_frame_equal(actual.reset_index(drop=True), expected.reset_index(drop=True))


def test_export_has_the_serving_contract(scenario: dict[str, object], tmp_path: Path) -> None:
    code = export.main(["--db", str(scenario["db"]), "--out", str(tmp_path)])
    assert code == 0
    exported = pd.read_parquet(tmp_path / export.RECOMMENDATIONS_FILE)
    # the contract's columns, then the product name the export joins for the endpoint
    assert list(exported.columns) == [*COLUMNS, "product_name"]
    assert len(exported) == len(read(scenario["db"], "select * from recommendations"))
