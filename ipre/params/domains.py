"""The allowed values (domain) of every pipeline var: the one table the checker, the docs and the
dbt on-run-start check are derived from.

Names and defaults live in ``dbt_project.yml`` (``vars:``); this module only says what values
each var accepts. Adding a var = one line in ``dbt_project.yml`` plus one line in ``DOMAINS``
below (``tests/python/test_params.py`` fails when the two disagree), then
``.venv/bin/ipre check-vars --write-docs`` to refresh docs/parameters.md and the generated macro.

Domains come from the spec §5 and docs/parameters.md:

* counts and sizes are integers with a lower bound (top_k >= 1, max_k >= 1, ...);
* weights and multipliers are numbers >= 0;
* shares and probabilities (confidence, frequency ratio) are in [0, 1]; min_support is a share
  too but may exceed 1, which switches rules off (ipre.evaluation's rules-off ablation);
* thresholds are in their own domain (elbow_threshold is a percentage in [0, 100],
  max_lift_normalise > 1 because lift is scaled by (lift - 1) / (max - 1));
* dates are YYYY-MM-DD; feature_groups is a comma list of the clustering groups.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# The clustering feature groups (ipre.clustering.features.GROUP_ORDER, kept equal by a test:
# importing the clustering package here would pull numpy, pandas and scikit-learn into a check
# that must be fast).
FEATURE_GROUPS: tuple[str, ...] = ("l2_qty", "brand", "functionality", "rfm")
# SageMaker model package approval statuses (ipre.deploy.cli.APPROVAL_STATUSES).
APPROVAL_STATUSES: tuple[str, ...] = ("Approved", "PendingManualApproval", "Rejected")
# Input file formats an `<entity>_format` var may name.
INPUT_FORMATS: tuple[str, ...] = ("auto", "csv", "tsv", "parquet", "xlsx")
# Text encodings the raw-file reader accepts (macro input_encoding in macros/raw_files.sql).
INPUT_ENCODINGS: tuple[str, ...] = (
    "utf-8", "utf8", "utf-16", "utf16", "latin-1", "latin1", "iso-8859-1", "iso8859-1",
    "cp1252", "windows-1252",
)

# Field delimiters a CSV input may use (`<entity>_delimiter`; '' = detected from the header).
DELIMITERS: tuple[str, ...] = ("", ",", ";", "\t", "tab", "|")
# Spec columns an `<entity>_columns` mapping may name (macro raw_input_contract, kept equal by
# tests/python/test_params.py).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "region", "end_use", "customer_name"),
    "products": (
        "product_id", "l2_category", "l3_category", "functionality", "in_stock", "product_name",
        "brand", "unit_price",
    ),
    "invoices": (
        "invoice_date", "customer_id", "product_id", "quantity", "invoice_id", "unit_price",
        "product_name", "brand", "l2_category", "l3_category", "functionality", "customer_name",
        "region", "end_use",
    ),
    "feedback": (
        "customer_id", "product_id", "rating", "feedback_date", "reason_code", "sentiment",
    ),
}

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RELATION_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_$]*)(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$")


class DomainError(ValueError):
    """A value outside its var's domain; the message says what is allowed."""


def _number(value: Any, integer: bool) -> float | int:
    """A YAML number, or a string holding one (SageMaker passes every parameter as a string)."""
    if isinstance(value, bool):
        raise DomainError("a boolean is not a number")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise DomainError(f"{value!r} is not a number") from None
    if not isinstance(value, int | float):
        raise DomainError(f"{value!r} is not a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise DomainError(f"{value!r} is not a finite number")
    if integer:
        if isinstance(value, float) and not value.is_integer():
            raise DomainError(f"{value!r} is not an integer")
        return int(value)
    return value


@dataclass(frozen=True)
class Domain:
    """What one var accepts. ``describe()`` is the human text used in errors and in the docs."""

    kind: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()
    note: str = ""
    validate_extra: Callable[[Any], None] | None = field(default=None, compare=False)

    # --- description -------------------------------------------------------------------------
    def describe(self) -> str:
        text = self._describe()
        if self.nullable:
            text += ", or null"
        if self.note:
            text += f" ({self.note})"
        return text

    def _describe(self) -> str:
        if self.kind in {"integer", "number"}:
            noun = "an integer" if self.kind == "integer" else "a number"
            if self.low is not None and self.high is not None:
                lo = "(" if self.low_open else "["
                return f"{noun} in {lo}{_fmt(self.low)}, {_fmt(self.high)}]"
            if self.low is not None:
                return f"{noun} {'>' if self.low_open else '>='} {_fmt(self.low)}"
            if self.high is not None:
                return f"{noun} <= {_fmt(self.high)}"
            return noun
        if self.kind == "date":
            return "a date YYYY-MM-DD"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "list":
            return "a comma-separated non-empty list of " + ", ".join(self.choices)
        if self.kind == "ids":
            return "a list of ids (a YAML list, or comma-separated text); [] = none"
        if self.kind == "path":
            return (
                "a local path, glob or s3:// URI of an existing file with a data row; "
                "'' = bundled sample"
            )
        if self.kind == "encoding":
            return "a Python/DuckDB text encoding name, e.g. utf-8, latin-1"
        if self.kind == "columns":
            return (
                "a mapping of spec column names (" + ", ".join(self.choices) + ") to the input's "
                "column names; {} = names as in the spec"
            )
        if self.kind == "delimiter":
            return "one of , ; tab | (or \\t); '' = detected from the header line"
        if self.kind == "strptime":
            return "a strptime format such as %d.%m.%Y or %m/%d/%Y %H:%M; '' = ISO or detected"
        if self.kind == "relation":
            return "[database.][schema.]table of a table or view; '' = read the path var"
        return "a string"

    # --- checking ----------------------------------------------------------------------------
    def check(self, value: Any) -> Any:
        """The value normalised (numbers from strings, dates as text); DomainError if outside."""
        if value is None:
            if self.nullable:
                return None
            raise DomainError(f"null is not allowed: must be {self.describe()}")
        try:
            normalised = self._check(value)
            if self.validate_extra is not None:
                self.validate_extra(normalised)
        except DomainError as err:
            raise DomainError(f"{err}: must be {self.describe()}") from None
        return normalised

    def _check(self, value: Any) -> Any:
        if self.kind in {"integer", "number"}:
            number = _number(value, self.kind == "integer")
            too_low = self.low is not None and (
                number <= self.low if self.low_open else number < self.low
            )
            too_high = self.high is not None and number > self.high
            if too_low or too_high:
                raise DomainError(f"{value!r} is out of range")
            return number
        if self.kind == "date":
            if isinstance(value, datetime):
                raise DomainError(f"{value!r} has a time; a date is expected")
            if isinstance(value, date):
                return value.isoformat()
            text = str(value).strip()
            if not DATE_RE.match(text):
                raise DomainError(f"{value!r} is not a YYYY-MM-DD date")
            try:
                date.fromisoformat(text)
            except ValueError:
                raise DomainError(f"{value!r} is not a valid date") from None
            return text
        if self.kind == "ids":
            return id_list(value)
        if self.kind == "columns":
            return column_mapping(value, self.choices)
        if not isinstance(value, str):
            raise DomainError(f"{value!r} is not a string")
        if self.kind == "choice":
            if value not in self.choices:
                raise DomainError(f"{value!r} is not allowed")
            return value
        if self.kind == "list":
            items = [item.strip() for item in value.split(",")]
            unknown = [item for item in items if item not in self.choices]
            if not value.strip() or unknown:
                raise DomainError(f"{value!r} has unknown or empty items {unknown}")
            return value
        if self.kind == "delimiter":
            if value not in DELIMITERS:
                raise DomainError(f"{value!r} is not allowed")
            return value
        if self.kind == "strptime":
            if value.strip() and ("%" not in value or "'" in value):
                raise DomainError(f"{value!r} is not a strptime format")
            return value
        if self.kind == "relation":
            if value.strip() and not RELATION_RE.match(value.strip()):
                raise DomainError(f"{value!r} is not a table name")
            return value
        if self.kind == "encoding":
            try:
                codecs.lookup(value)
            except LookupError:
                raise DomainError(f"{value!r} is not a known encoding") from None
            return value
        return value  # "path" and "string": files are checked by ipre.params.files


ID_RE = re.compile(r"^[^'\"\\,]+$")


def id_list(value: Any) -> list[str]:
    """Ids from a YAML list (numbers become text) or comma-separated text; no quote, backslash
    or comma inside an id, so each is a plain SQL literal on every engine."""
    if isinstance(value, str):
        items: list[Any] = [] if not value.strip() else value.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise DomainError(f"{value!r} is not a list of ids")
    ids = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise DomainError(f"{item!r} is not an id")
        text = str(item).strip()
        if not ID_RE.match(text):
            raise DomainError(f"{item!r} is empty or holds a quote, backslash or comma")
        ids.append(text)
    return ids


def column_mapping(value: Any, columns: tuple[str, ...]) -> dict[str, str]:
    """An `<entity>_columns` mapping: spec names of the entity to non-empty column names."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise DomainError(f"{value!r} is not a mapping like {{product_id: StockCode}}")
    unknown = sorted(str(key) for key in value if key not in columns)
    if unknown:
        raise DomainError(f"{', '.join(unknown)} is not a spec column")
    for key, name in value.items():
        if not isinstance(name, str | int) or isinstance(name, bool) or not str(name).strip():
            raise DomainError(f"{key}: {name!r} is not a column name")
    return {str(key): str(name) for key, name in value.items()}


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# --- constructors: one call per var in DOMAINS --------------------------------------------------
def Integer(low: float | None = None, high: float | None = None, note: str = "") -> Domain:  # noqa: N802
    return Domain("integer", low=low, high=high, note=note)


def Number(  # noqa: N802
    low: float | None = None, high: float | None = None, low_open: bool = False, note: str = ""
) -> Domain:
    return Domain("number", low=low, high=high, low_open=low_open, note=note)


def Fraction(note: str = "") -> Domain:  # noqa: N802
    """A share or probability in [0, 1]."""
    return Domain("number", low=0, high=1, note=note)


def Date(nullable: bool = False, note: str = "") -> Domain:  # noqa: N802
    return Domain("date", nullable=nullable, note=note)


def Choice(*choices: str, note: str = "") -> Domain:  # noqa: N802
    return Domain("choice", choices=tuple(choices), note=note)


def CommaList(*choices: str, note: str = "") -> Domain:  # noqa: N802
    return Domain("list", choices=tuple(choices), note=note)


def IdList(note: str = "") -> Domain:  # noqa: N802
    return Domain("ids", note=note)


def InputPath(note: str = "") -> Domain:  # noqa: N802
    """A path var `<entity>_path`; its files are checked (exist, readable, >= 1 data row)."""
    return Domain("path", note=note)


def Encoding(note: str = "") -> Domain:  # noqa: N802
    return Domain("encoding", note=note)


def Text(note: str = "") -> Domain:  # noqa: N802
    return Domain("string", note=note)


def Columns(entity: str) -> Domain:  # noqa: N802
    return Domain("columns", choices=INPUT_COLUMNS[entity])


def Delimiter() -> Domain:  # noqa: N802
    return Domain("delimiter", choices=DELIMITERS)


def DateFormat(note: str = "") -> Domain:  # noqa: N802
    return Domain("strptime", note=note)


def Relation() -> Domain:  # noqa: N802
    return Domain("relation")


# One line per var of dbt_project.yml `vars:`, same names. Keep the spec's group order.
DOMAINS: dict[str, Domain] = {
    # Group A: data inputs
    "customers_path": InputPath(note="'none' = derived from the invoice lines"),
    "products_path": InputPath(note="'none' = derived from the invoice lines"),
    "invoices_path": InputPath(),
    "feedback_path": InputPath(note="'none' = no feedback file"),
    "customers_relation": Relation(),
    "products_relation": Relation(),
    "invoices_relation": Relation(),
    "feedback_relation": Relation(),
    "customers_columns": Columns("customers"),
    "products_columns": Columns("products"),
    "invoices_columns": Columns("invoices"),
    "feedback_columns": Columns("feedback"),
    "customers_delimiter": Delimiter(),
    "products_delimiter": Delimiter(),
    "invoices_delimiter": Delimiter(),
    "feedback_delimiter": Delimiter(),
    "decimal_separator": Choice(".", ","),
    "invoice_date_format": DateFormat(),
    "feedback_date_format": DateFormat(),
    "max_quarantined_share": Fraction(note="a larger share of an input's lines stops the build"),
    "customers_format": Choice(*INPUT_FORMATS),
    "products_format": Choice(*INPUT_FORMATS),
    "invoices_format": Choice(*INPUT_FORMATS),
    "feedback_format": Choice(*INPUT_FORMATS),
    "input_encoding": Choice(*INPUT_ENCODINGS),
    "min_invoice_date": Date(note="earlier invoice dates are quarantined"),
    "model_approval_status": Choice(*APPROVAL_STATUSES),
    # Group B: market basket
    "min_order_count": Integer(0),
    "recency_cutoff_days": Integer(1),
    "as_of_date": Date(nullable=True, note="null = the last invoice date"),
    "excluded_products": IdList(note="postage, fees, adjustments: never in a basket"),
    # Group C: clustering
    "max_k": Integer(1),
    "min_cluster_customers": Integer(1),
    "elbow_threshold": Number(0, 100, note="percent"),
    "feature_groups": CommaList(*FEATURE_GROUPS),
    "random_state": Integer(0, 2**32 - 1),
    "n_init": Integer(1),
    # Group D: association mining
    "window_days": Number(0, note="0 = data-driven"),
    "min_lift": Number(0),
    "min_abs_freq": Integer(0),
    "min_freq_ratio": Fraction(),
    "decay_lambda": Number(0),
    # Group E: ranking and scoring
    # a share, but > 1 is allowed: it switches rules off (the evaluation's rules-off ablation)
    "min_support": Number(0, note="a share of baskets; above 1 no rule passes"),
    "min_confidence": Fraction(),
    "top_k": Integer(1),
    "w_conf": Number(0),
    "w_supp": Number(0),
    "w_lift": Number(0),
    "w_recency": Number(0),
    "max_lift_normalise": Number(1, low_open=True),
    "l3_tiebreak_margin": Number(0),
    # ranking method and the similarity model (docs/ranking.md)
    "ranking_method": Choice("similarity", "spec", "learned"),
    "similarity_l2_ratio": Number(0, low_open=True),
    "similarity_neighbours": Integer(1),
    "similarity_max_products": Integer(2),
    "similarity_min_customers": Integer(1),
    "similarity_tail_regressors": Integer(1),
    "momentum_days": Integer(0, note="0 = no momentum"),
    "calibration_reserve": Integer(0),
    # the learned ranker (docs/ranking.md)
    "ranker_candidates": Integer(1),
    "ranker_horizon_days": Integer(1, note="training labels: first purchases this soon after"),
    "ranker_training_cutoffs": Integer(1),
    "ranker_min_customers": Integer(1, note="labelled customers; fewer = similarity"),
    "ranker_guard": Choice(
        "validation", "none", note="none: the learned order is used even where it lost"
    ),
    # Group F: feedback calibration
    "weight_high": Number(0),
    "weight_med_pos": Number(0),
    "weight_med_neg": Number(0),
    "weight_low": Number(0),
    "score_cutoff": Number(0),
    "feedback_recency_days": Integer(0),
    # reorder reminders (docs/reorders.md)
    "reorder_min_purchases": Integer(2, note="distinct purchase days; 2 = one gap"),
    "reorder_tolerance": Number(0, note="in typical intervals beyond the first"),
    "reorder_max_overdue": Number(1, low_open=True, note="intervals; later = lapsed"),
    "reorder_top_k": Integer(1),
    "reorder_horizon_days": Integer(1, note="reminders look this far ahead; evaluation too"),
    # alert thresholds of `ipre check` and the report's verdict (docs/monitoring.md)
    "alert_min_acceptance_rate": Fraction(),
    "alert_min_coverage": Fraction(),
    "alert_max_below_top_k_share": Fraction(),
    "alert_min_silhouette": Number(-1, 1, note="silhouette range"),
    "alert_min_association_rules": Integer(0),
    "alert_max_drop_share": Fraction(note="share of the previous build's value"),
}


SCORE_WEIGHTS = ("w_conf", "w_supp", "w_lift", "w_recency")


def check_score_weights(values: dict[str, Any]) -> tuple[list[str], list[str]]:
    """All four score weights 0 is an error (every score 0); a sum other than 1 a warning."""
    weights = [values.get(name) for name in SCORE_WEIGHTS]
    if not all(isinstance(w, int | float) for w in weights):
        return [], []  # a weight outside its domain is already reported
    total = sum(weights)  # type: ignore[arg-type]
    if total == 0:
        return [f"{', '.join(SCORE_WEIGHTS)} are all 0: every rule would score 0"], []
    if abs(total - 1) > 1e-9:
        return [], [
            f"{' + '.join(SCORE_WEIGHTS)} = {total:g}, not 1: scores (and score_cutoff) are on "
            "another scale than the spec's"
        ]
    return [], []


# Checks across vars: each returns (problems, warnings) from the checked values.
CROSS_CHECKS: tuple[Callable[[dict[str, Any]], tuple[list[str], list[str]]], ...] = (
    check_score_weights,
)
