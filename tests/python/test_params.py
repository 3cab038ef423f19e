"""Var preflight (`ipre check-vars`, run first by `ipre build`): names, domains, input files.

No dbt here: the point of the preflight is that it fails before dbt starts.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ipre import build
from ipre.params import check, generate
from ipre.params.domains import APPROVAL_STATUSES, DOMAINS, FEATURE_GROUPS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "seeds" / "sample"


def problems(vars_text: str) -> list[str]:
    with pytest.raises(check.VarsError) as info:
        check.preflight(vars_text)
    return info.value.problems


# --- one source of truth --------------------------------------------------------------------
def test_every_declared_var_has_a_domain_and_every_domain_a_var() -> None:
    declared = set(check.project_vars())
    assert declared - set(DOMAINS) == set(), "add these vars to ipre/params/domains.py DOMAINS"
    assert set(DOMAINS) - declared == set(), "these domains have no var in dbt_project.yml"


def test_every_default_is_inside_its_domain() -> None:
    result = check.check_vars({}, check_files=False)
    assert result.problems == []
    assert result.warnings == []


def test_domain_constants_match_the_code_that_uses_them() -> None:
    from ipre.clustering.features import GROUP_ORDER
    from ipre.deploy.cli import APPROVAL_STATUSES as DEPLOY_STATUSES

    assert FEATURE_GROUPS == GROUP_ORDER
    assert APPROVAL_STATUSES == DEPLOY_STATUSES


def test_generated_docs_and_macro_are_up_to_date() -> None:
    doc = generate.DOC_PATH.read_text(encoding="utf-8")
    assert generate.render_doc(doc) == doc, "run: .venv/bin/ipre check-vars --write-docs"
    macro = generate.MACRO_PATH.read_text(encoding="utf-8")
    assert generate.render_macro() == macro, "run: .venv/bin/ipre check-vars --write-docs"


def test_a_var_without_domain_is_reported_by_the_consistency_check() -> None:
    declared = {**check.project_vars(), "brand_new_var": 3}
    result = check.check_vars({}, declared=declared, check_files=False)
    assert any("brand_new_var" in w for w in result.warnings)
    assert "**no domain yet**" in generate.domain_table(declared)


# --- names ---------------------------------------------------------------------------------
def test_unknown_var_fails_with_did_you_mean() -> None:
    (problem,) = problems("{topk: 3}")
    assert "unknown var 'topk'" in problem
    assert "did you mean top_k" in problem


@pytest.mark.parametrize(
    ("given", "meant"),
    [("TopK", "top_k"), ("MinLift", "min_lift"), ("top-k", "top_k"), ("min_suport", "min_support")],
)
def test_spec_names_and_typos_get_the_var_name(given: str, meant: str) -> None:
    (problem,) = problems(f"{{{given}: 1}}")
    assert f"did you mean {meant}?" in problem


def test_unknown_var_fails_before_dbt_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_dbt(*args: object, **kwargs: object) -> None:
        raise AssertionError("dbt was started")

    monkeypatch.setattr(build.subprocess, "run", no_dbt)
    db = tmp_path / "w.duckdb"
    code = build.main(["--vars", "{topk: 3}", "--db", str(db), "--export-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "did you mean top_k" in err and "nothing was built" in err
    assert list(tmp_path.iterdir()) == []  # no lock, no temp copy


def test_check_vars_cli_reads_ipre_vars_and_exits_non_zero() -> None:
    env = {**os.environ, "IPRE_VARS": "{topk: 3}"}
    result = subprocess.run(
        [sys.executable, "-m", "ipre.cli", "check-vars"],
        env=env, capture_output=True, text=True, check=False, timeout=10,
    )
    assert result.returncode == 2
    assert "did you mean top_k" in result.stderr


# --- domains -------------------------------------------------------------------------------
def test_top_k_minus_one_names_the_var_and_the_range() -> None:
    (problem,) = problems("{top_k: -1}")
    assert problem.startswith("top_k:")
    assert "integer >= 1" in problem


@pytest.mark.parametrize(
    ("vars_text", "var", "allowed"),
    [
        ("{top_k: 2.5}", "top_k", "integer >= 1"),
        ("{top_k: 'ten'}", "top_k", "integer >= 1"),
        ("{w_conf: -0.1}", "w_conf", ">= 0"),
        ("{weight_low: -1}", "weight_low", ">= 0"),
        ("{min_support: -0.5}", "min_support", ">= 0"),
        ("{min_confidence: -0.01}", "min_confidence", "[0, 1]"),
        ("{min_freq_ratio: 2}", "min_freq_ratio", "[0, 1]"),
        ("{max_lift_normalise: 1}", "max_lift_normalise", "> 1"),
        ("{elbow_threshold: 150}", "elbow_threshold", "[0, 100]"),
        ("{window_days: -3}", "window_days", ">= 0"),
        ("{max_k: 0}", "max_k", "integer >= 1"),
        ("{n_init: true}", "n_init", "integer >= 1"),
        ("{as_of_date: 2024-13-01}", "as_of_date", "YYYY-MM-DD"),
        ("{as_of_date: '01/02/2024'}", "as_of_date", "YYYY-MM-DD"),
        ("{feature_groups: 'rfm,colour'}", "feature_groups", "l2_qty, brand"),
        ("{feature_groups: ''}", "feature_groups", "l2_qty, brand"),
        ("{model_approval_status: approved}", "model_approval_status", "PendingManualApproval"),
        ("{excluded_products: {POST: 1}}", "excluded_products", "a list of ids"),
        ("{excluded_products: [POST, \"it's\"]}", "excluded_products", "a list of ids"),
        ("{excluded_products: [POST, '']}", "excluded_products", "a list of ids"),
        ("{excluded_products: [true]}", "excluded_products", "a list of ids"),
        # the export vars (docs/inputs.md, "Bring your own export")
        ("{invoices_columns: {stock_code: StockCode}}", "invoices_columns", "not a spec column"),
        ("{invoices_columns: [StockCode]}", "invoices_columns", "a mapping of spec column"),
        ("{customers_columns: {customer_id: ''}}", "customers_columns", "not a column name"),
        ("{invoices_delimiter: ':'}", "invoices_delimiter", "one of , ; tab |"),
        ("{decimal_separator: ' '}", "decimal_separator", "one of ., ,"),
        ("{invoice_date_format: 'dd.mm.yyyy'}", "invoice_date_format", "strptime format"),
        ("{feedback_date_format: \"%d'%m\"}", "feedback_date_format", "strptime format"),
        ("{invoices_relation: 'erp.sales; drop table x'}", "invoices_relation", "table or view"),
        ("{invoices_relation: a.b.c.d}", "invoices_relation", "table or view"),
        ("{max_quarantined_share: 1.5}", "max_quarantined_share", "[0, 1]"),
    ],
)
def test_out_of_domain_values_fail_with_the_allowed_values(
    vars_text: str, var: str, allowed: str
) -> None:
    (problem,) = problems(vars_text)
    assert problem.startswith(f"{var}:")
    assert allowed in problem


def test_the_evaluation_ablation_vars_are_allowed() -> None:
    from ipre.evaluation.runner import RULES_OFF_VARS

    assert check.check_vars(dict(RULES_OFF_VARS), check_files=False).problems == []


def test_score_weights_all_zero_fail_and_a_sum_other_than_one_warns() -> None:
    (problem,) = problems("{w_conf: 0, w_supp: 0, w_lift: 0, w_recency: 0}")
    assert "all 0" in problem
    result = check.check_vars({"w_conf": 0.9}, check_files=False)
    assert result.problems == []
    assert any("= 1.45, not 1" in w for w in result.warnings)


def test_all_problems_are_reported_at_once() -> None:
    found = problems("{top_k: 0, min_lift: -1, topk: 3}")
    assert len(found) == 3


@pytest.mark.parametrize(
    "vars_text",
    [
        "{}",
        "",
        "{top_k: '10', w_conf: '0.5', as_of_date: 2024-01-31}",
        "{as_of_date: '2024-01-31', feature_groups: 'rfm, brand', min_support: 0}",
        "{feedback_path: none, model_approval_status: PendingManualApproval}",
        '{"top_k": 10, "min_lift": 1.5}',
        "{customers_path: 's3://bucket/customers.csv'}",
        "{excluded_products: []}",
        "{excluded_products: ''}",
    ],
)
def test_valid_vars_pass(vars_text: str) -> None:
    check.preflight(vars_text)


def test_values_are_normalised_for_dbt() -> None:
    values = check.preflight("{top_k: '10', as_of_date: 2024-01-31}").values
    assert values["top_k"] == 10
    assert values["as_of_date"] == "2024-01-31"


@pytest.mark.parametrize(
    "vars_text", ["{excluded_products: 'POST, M,85123'}", "{excluded_products: [POST, M, 85123]}"]
)
def test_excluded_products_as_text_or_list_give_the_same_ids(vars_text: str) -> None:
    assert check.preflight(vars_text).values["excluded_products"] == ["POST", "M", "85123"]


# --- input files ---------------------------------------------------------------------------
def file_problem(var: str, path: Path | str) -> str:
    (problem,) = problems(f"{{{var}: {str(path)!r}}}")
    assert problem.startswith(f"{var}:")
    assert str(path) in problem
    return problem


def test_missing_file_names_file_and_var(tmp_path: Path) -> None:
    assert "does not exist" in file_problem("invoices_path", tmp_path / "absent.csv")


def test_header_only_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text("invoice_id,customer_id,product_id,quantity,invoice_date\n\n")
    assert "no data row" in file_problem("invoices_path", path)


def test_zero_byte_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.touch()
    assert "no data row" in file_problem("customers_path", path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text("product_id\nP1\n")
    path.chmod(0)
    assert "not readable" in file_problem("products_path", path)


def test_directory_instead_of_file_fails(tmp_path: Path) -> None:
    assert "is a directory" in file_problem("feedback_path", tmp_path)


def test_corrupt_gzip_fails(tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert "cannot be read" in file_problem("invoices_path", path)


def test_gzip_files_are_read(tmp_path: Path) -> None:
    header_only = tmp_path / "header.csv.gz"
    header_only.write_bytes(gzip.compress(b"customer_id,segment\n"))
    assert "no data row" in file_problem("customers_path", header_only)
    with_rows = tmp_path / "rows.csv.gz"
    with_rows.write_bytes(gzip.compress(b"customer_id,segment\nC1,West\n"))
    check.preflight(f"{{customers_path: {str(with_rows)!r}}}")


def test_parquet_row_count_comes_from_the_footer(tmp_path: Path) -> None:
    empty, full = tmp_path / "empty.parquet", tmp_path / "full.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select 1 as a where false) to '{empty}' (format parquet)")
        con.execute(f"copy (select 1 as a) to '{full}' (format parquet)")
    assert "no data row" in file_problem("invoices_path", empty)
    check.preflight(f"{{invoices_path: {str(full)!r}}}")
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(full.read_bytes()[:-20])
    assert "Parquet" in file_problem("invoices_path", truncated)


def test_globs(tmp_path: Path) -> None:
    assert "matches no file" in file_problem("invoices_path", tmp_path / "*.csv")
    (tmp_path / "a.csv").write_text("invoice_id\n")
    assert "no data row" in file_problem("invoices_path", tmp_path / "*.csv")
    (tmp_path / "b.csv").write_text("invoice_id\nI1\n")
    check.preflight(f"{{invoices_path: {str(tmp_path / '*.csv')!r}}}")


def test_bundled_sample_and_feedback_none_are_not_checked_as_files() -> None:
    check.preflight("{customers_path: '', feedback_path: none}")
    check.preflight(f"{{invoices_path: {str(SAMPLE / 'raw_invoices.csv')!r}}}")
    # masters derived from the lines; the lines themselves cannot be none
    check.preflight("{customers_path: none, products_path: none}")
    (problem,) = problems("{invoices_path: none}")
    assert problem.startswith("invoices_path:") and "does not exist" in problem


def test_the_export_vars_pass_as_inspect_writes_them() -> None:
    check.preflight(
        "{invoices_columns: {product_id: StockCode, invoice_id: Invoice, region: Country},"
        " invoices_delimiter: ';', feedback_delimiter: \"\\t\", products_delimiter: tab,"
        " decimal_separator: ',', invoice_date_format: '%m/%d/%Y %H:%M',"
        " invoices_relation: erp.sales.order_lines, max_quarantined_share: 0.9}"
    )


def test_the_input_column_lists_match_the_macro_contract() -> None:
    from ipre.params.domains import INPUT_COLUMNS

    macro = (ROOT / "macros" / "input_columns.sql").read_text(encoding="utf-8")
    meta = {"required", "defaults", "optional", "attributes", "Unknown", "true"}
    for entity, columns in INPUT_COLUMNS.items():
        block = macro[macro.index(f"'{entity}': {{"):]
        block = block[: block.index("'attributes'")]
        block += macro[macro.index("'attributes'", macro.index(f"'{entity}': {{")):][:300]
        block = block[: block.index("]", block.index("'attributes'")) + 1]
        named = set(re.findall(r"'([A-Za-z_0-9]+)'", block)) - meta - {entity}
        assert set(columns) == named, entity


# --- VARS through make ---------------------------------------------------------------------
def make_check_vars(vars_value: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "-C", str(ROOT), "check-vars", f"VARS={vars_value}"],
        capture_output=True, text=True, check=False, timeout=120,
    )


def test_vars_with_a_quote_reach_the_check_intact_through_make(tmp_path: Path) -> None:
    folder = tmp_path / "o'brien's data"
    folder.mkdir()
    invoices = folder / "invoices.csv"
    invoices.write_text((SAMPLE / "raw_invoices.csv").read_text())
    ok = make_check_vars(f'{{invoices_path: "{invoices}"}}')
    assert ok.returncode == 0, ok.stderr
    missing = make_check_vars(f'{{invoices_path: "{folder / "gone.csv"}"}}')
    assert missing.returncode != 0
    assert f"{folder / 'gone.csv'}" in missing.stderr


def test_unreadable_file_fails_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "products.csv"
    path.write_text("product_id\nP1\n")
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", deny)
    assert "not readable (Permission denied)" in file_problem("products_path", path)


def test_vars_reach_dbt_as_one_argument_with_quotes_intact(tmp_path: Path) -> None:
    path = "/data/o'brien's \"files\"/invoices.csv"
    options = build.BuildOptions(
        vars_text=f"{{customers_path: {json.dumps(path)}, top_k: '7'}}",
        db=tmp_path,
        export_dir=tmp_path,
    )
    given = check.parse_vars(options.vars_text)
    command = build.dbt_command(options, {**given, "top_k": 7})
    passed = command[command.index("--vars") + 1]
    assert check.parse_vars(passed) == {"customers_path": path, "top_k": 7}


def test_utf16_header_only_and_json_records(tmp_path: Path) -> None:
    utf16 = tmp_path / "customers.csv"
    utf16.write_bytes("customer_id,segment\n".encode("utf-16"))
    assert "no data row" in file_problem("customers_path", utf16)
    records = tmp_path / "invoices.jsonl"
    records.write_text('{"invoice_id": "I1"}\n')
    check.preflight(f"{{invoices_path: {str(records)!r}}}")


# --- vars file (--vars-file, $IPRE_VARS_FILE) ----------------------------------------------
def test_vars_win_over_the_vars_file_key_by_key(tmp_path: Path) -> None:
    file = tmp_path / "v.yml"
    file.write_text("top_k: 7\nmin_lift: 1.5\nfeedback_path: none\n", encoding="utf-8")
    merged = check.load_vars("{top_k: 3}", file, env={})
    assert merged == {"top_k": 3, "min_lift": 1.5, "feedback_path": "none"}


def test_the_environment_names_vars_and_vars_file_when_not_given(tmp_path: Path) -> None:
    file = tmp_path / "v.yml"
    file.write_text("top_k: 7\nmin_lift: 1.5\n", encoding="utf-8")
    env = {"IPRE_VARS": "{min_lift: 2}", "IPRE_VARS_FILE": str(file)}
    assert check.load_vars(None, None, env=env) == {"top_k": 7, "min_lift": 2}
    assert check.load_vars("", "", env=env) == {}  # given empty: none, whatever the env


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "cannot be read"), ("[1, 2]", "must be a mapping"), ("top_k: [", "not valid YAML")],
)
def test_a_bad_vars_file_fails_naming_it(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    file = tmp_path / "bad.yml"
    if content is not None:
        file.write_text(content, encoding="utf-8")
    with pytest.raises(check.VarsError) as info:
        check.load_vars("{}", file, env={})
    (problem,) = info.value.problems
    assert str(file) in problem and expected in problem


def test_check_vars_cli_reads_the_vars_file_from_the_environment(tmp_path: Path) -> None:
    file = tmp_path / "v.yml"
    file.write_text("topk: 3\n", encoding="utf-8")
    env = {**os.environ, "IPRE_VARS_FILE": str(file), "IPRE_VARS": "{top_k: 4}"}
    result = subprocess.run(
        [sys.executable, "-m", "ipre.cli", "check-vars", "--no-files"],
        env=env, capture_output=True, text=True, check=False, timeout=10,
    )  # fmt: skip
    assert result.returncode == 2 and "did you mean top_k" in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "ipre.cli", "check-vars", "--vars-file", str(tmp_path / "no.yml")],
        env=env, capture_output=True, text=True, check=False, timeout=10,
    )  # fmt: skip
    assert missing.returncode == 2 and "no.yml" in missing.stderr


def test_build_takes_the_vars_file_and_fails_before_dbt_on_a_bad_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_dbt(*args: object, **kwargs: object) -> None:
        raise AssertionError("dbt was started")

    monkeypatch.setattr(build.subprocess, "run", no_dbt)
    file = tmp_path / "v.yml"
    file.write_text("top_k: 0\n", encoding="utf-8")
    args = ["--vars", "{}", "--db", str(tmp_path / "w.duckdb"), "--export-dir", str(tmp_path)]
    assert build.main([*args, "--vars-file", str(file)]) == 2
    assert "top_k" in capsys.readouterr().err
    assert build.main([*args, "--vars-file", str(tmp_path / "gone.yml")]) == 2
    assert "gone.yml" in capsys.readouterr().err
