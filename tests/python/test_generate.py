"""Tests of `ipre generate`: determinism, output contract, planted signal, dirty rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ipre.generate import cli
from ipre.generate.dirty import INVOICE_KINDS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "seeds" / "sample"
NAMES = ("customers", "products", "invoices", "feedback")
CONTRACT = {
    "customers": ["customer_id", "customer_name", "region", "end_use"],
    "products": [
        "product_id",
        "product_name",
        "brand",
        "l2_category",
        "l3_category",
        "functionality",
        "in_stock",
        "unit_price",
    ],
    "invoices": ["invoice_id", "invoice_date", "customer_id", "product_id", "quantity"],
    "feedback": [
        "customer_id",
        "product_id",
        "rating",
        "reason_code",
        "sentiment",
        "feedback_date",
    ],
}


def run(out: Path, *extra: str) -> dict:
    assert cli.main(["--scale", "poc", "--out", str(out), *extra]) == 0
    return json.loads((out / "ground_truth.json").read_text())


def read(out: Path, name: str, prefix: str = "") -> pd.DataFrame:
    """Raw text exactly as written: empty fields stay '' instead of becoming NaN."""
    return pd.read_csv(out / f"{prefix}{name}.csv", dtype=str, keep_default_na=False)


def parsed_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("clean")
    return out, run(out, "--dirty-share", "0")


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("dirty")
    return out, run(out, "--dirty-share", "0.05")


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    run(tmp_path / "a", "--seed", "7")
    run(tmp_path / "b", "--seed", "7")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    run(tmp_path / "a", "--seed", "1")
    run(tmp_path / "b", "--seed", "2")
    for name in NAMES:
        a = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert a != (tmp_path / "b" / f"{name}.csv").read_bytes(), name


def test_columns_match_the_contract(clean: tuple[Path, dict]) -> None:
    out, _ = clean
    for name, columns in CONTRACT.items():
        assert list(read(out, name).columns) == columns, name


def test_headline_shape(clean: tuple[Path, dict]) -> None:
    out, truth = clean
    customers, products = read(out, "customers"), read(out, "products")
    invoices = read(out, "invoices")
    assert (len(customers), len(products), len(invoices)) == (500, 300, 3000)
    assert customers.region.nunique() == 8 and customers.end_use.nunique() == 7
    assert truth["reference_date"] == "2026-02-20"
    dates = parsed_dates(invoices.invoice_date)
    assert dates.max().strftime("%Y-%m-%d") == "2026-02-20"
    assert (dates.max() - dates.min()).days > 3 * 365 - 10
    assert 0.03 <= (products.in_stock == "false").mean() <= 0.07
    assert invoices.invoice_date.str.endswith("Z").any()
    assert invoices.invoice_date.str.contains(r"[+-]\d\d:\d\d$").any()
    assert set(truth["customer_archetypes"]) == set(customers.customer_id)


def test_clean_run_has_no_dirty_rows(clean: tuple[Path, dict]) -> None:
    out, truth = clean
    assert truth["dirty_rows"]["total"] == 0
    customers, products = read(out, "customers"), read(out, "products")
    invoices = read(out, "invoices")
    assert customers.customer_id.is_unique and "" not in set(customers.customer_id)
    assert products.product_id.is_unique and set(products.in_stock) == {"true", "false"}
    assert invoices.customer_id.isin(customers.customer_id).all()
    assert invoices.product_id.isin(products.product_id).all()
    assert parsed_dates(invoices.invoice_date).notna().all()
    assert invoices.invoice_date.str[:4].astype(int).max() <= 2026
    assert (pd.to_numeric(invoices.quantity, errors="coerce") > 0).all()
    assert not invoices.duplicated().any()


def test_dirty_rows_match_share_and_counts(dirty: tuple[Path, dict]) -> None:
    out, truth = dirty
    counts = truth["dirty_rows"]["invoices"]
    assert set(counts) == set(INVOICE_KINDS)
    assert sum(counts.values()) == round(0.05 * 3000)
    inv = read(out, "invoices")
    cust, prod = read(out, "customers"), read(out, "products")
    dates, qty = parsed_dates(inv.invoice_date), pd.to_numeric(inv.quantity, errors="coerce")
    found = {
        "null_customer_id": (inv.customer_id == "").sum(),
        "unknown_customer_id": (
            ~inv.customer_id.isin(cust.customer_id) & (inv.customer_id != "")
        ).sum(),
        "null_product_id": (inv.product_id == "").sum(),
        "unknown_product_id": (
            ~inv.product_id.isin(prod.product_id) & (inv.product_id != "")
        ).sum(),
        "unparseable_date": dates.isna().sum(),
        "future_date": (dates.dt.year == 2099).sum(),
        "non_positive_quantity": (qty <= 0).sum(),
        "non_numeric_quantity": qty.isna().sum(),
        "duplicate_row": inv.duplicated().sum(),
    }
    assert {k: int(v) for k, v in found.items()} == counts
    assert (cust.customer_id == "").sum() == truth["dirty_rows"]["customers"]["null_id"] > 0
    assert prod.duplicated().sum() == truth["dirty_rows"]["products"]["duplicate_row"] > 0
    assert (~prod.in_stock.isin(["true", "false"])).sum() == (
        truth["dirty_rows"]["products"]["in_stock_alt_format"]
        + truth["dirty_rows"]["products"]["in_stock_garbage"]
    )


def test_planted_pairs_co_occur_far_above_chance(clean: tuple[Path, dict]) -> None:
    out, truth = clean
    inv = read(out, "invoices")
    baskets = inv.groupby("product_id").invoice_id.apply(set)
    n_invoices = inv.invoice_id.nunique()
    ratios = []
    for pair in truth["planted_pairs"]:
        a, b = baskets.get(pair["product_a"], set()), baskets.get(pair["product_b"], set())
        expected = len(a) * len(b) / n_invoices
        ratios.append(len(a & b) / max(expected, 0.01))
    assert len(ratios) >= 7 * 2  # at least one bundle per trade
    assert np.median(ratios) > 5
    assert np.mean(np.array(ratios) > 2) > 0.9


def test_feedback_is_plausible(clean: tuple[Path, dict]) -> None:
    out, _ = clean
    fb, inv = read(out, "feedback"), read(out, "invoices")
    assert set(fb.rating) == {"High", "Medium", "Low"}
    assert (fb.loc[fb.rating != "High", "reason_code"] != "").all()
    medium = fb[fb.rating == "Medium"]
    assert (medium.sentiment == "").any() and set(medium.sentiment) <= {"", "positive", "negative"}
    bought = set(zip(inv.customer_id, inv.product_id, strict=True))
    assert not any(pair in bought for pair in zip(fb.customer_id, fb.product_id, strict=True))


def test_lines_scale_writes_parquet(tmp_path: Path) -> None:
    assert cli.main(["--lines", "2000", "--out", str(tmp_path), "--format", "parquet"]) == 0
    invoices = pd.read_parquet(tmp_path / "invoices.parquet")
    assert list(invoices.columns) == CONTRACT["invoices"] and len(invoices) == 2000
    assert cli.default_format(1_000_000) == "csv"
    assert cli.default_format(1_000_001) == "parquet"


def test_products_sets_the_catalogue_with_a_long_tail(tmp_path: Path) -> None:
    assert cli.main(["--lines", "20000", "--products", "2000", "--out", str(tmp_path),
                     "--dirty-share", "0"]) == 0  # fmt: skip
    products, invoices = read(tmp_path, "products"), read(tmp_path, "invoices")
    assert len(products) == 2000 and products["product_id"].is_unique
    sold = invoices["product_id"].value_counts()
    # a few best sellers and a long tail: the top tenth of the products sold take most lines
    assert sold.head(200).sum() > 0.4 * len(invoices)
    assert (sold == 1).sum() > 100
    assert cli.main(["--lines", "2000", "--products", "10", "--out", str(tmp_path / "x")]) == 2


def test_bundled_sample_is_current(tmp_path: Path) -> None:
    """seeds/sample must be exactly what the generator produces today, so it cannot drift."""
    run(tmp_path, "--file-prefix", "raw_")
    expected = sorted(p.name for p in tmp_path.iterdir())
    assert expected == sorted(p.name for p in SAMPLE.iterdir())
    for name in expected:
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"{name} drifted; regenerate: ipre generate --scale poc --out seeds/sample "
            "--file-prefix raw_"
        )
