# IPRE: `make run` builds the warehouse from the bundled sample; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export DBT_PROJECT_DIR := $(ROOT)
export DBT_PROFILES_DIR := $(ROOT)
export IPRE_DUCKDB_PATH ?= $(ROOT)/ipre.duckdb
export IPRE_EXPORT_DIR ?= $(ROOT)/export
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
DBT := $(BIN)/dbt
comma := ,
VARS ?= {}
# VARS reaches the commands through the environment, never through shell quoting, so any value
# (quotes, spaces, globs) arrives intact: `ipre build` and `ipre check-vars` read $IPRE_VARS.
export IPRE_VARS := $(VARS)
# VARS_FILE: a YAML file of vars (e.g. written by `make inspect INSPECT_ARGS='... --write v.yml'`)
# that every command reads, VARS on top key by key; made absolute, as dbt may run elsewhere.
VARS_FILE ?=
export IPRE_VARS_FILE := $(if $(strip $(VARS_FILE)),$(abspath $(VARS_FILE)))

.PHONY: install install-bouncer bouncer run build check-vars inspect export summary report check chromium test lint dbt-test pytest docs serve sample run-real eval eval-real eval-real-raw bench bench-ranker bench-serve install-spark test-spark clean

# uv installs the pinned lock into the venv in about 30 s on a fresh machine, where pip took
# 90 s (the same versions: docs/operations.md "Installing"); if uv cannot, pip does it.
# --compile-bytecode as pip does: where PYTHONDONTWRITEBYTECODE is set (as on this machine),
# a venv without .pyc files recompiles dbt, pandas and scikit-learn in every process.
UV_PIN := uv==0.13.9
UV := $(BIN)/uv
UV_INSTALL = $(UV) pip install --quiet --compile-bytecode --python

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'pip==25.3' '$(UV_PIN)'
	@echo "installing the pinned dependencies (requirements.lock) into .venv, once"
	$(UV_INSTALL) $(BIN)/python -c requirements.lock -e '.[test]' \
		|| $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on \
			-c requirements.lock -e '.[test]'
	@touch $@

install: $(STAMP)

# dbt-bouncer lives in its own venv: it needs duckdb<2, the project pins duckdb 2.0.0.
# requirements-bouncer.lock pins its whole tree (installed without resolving, then checked).
BOUNCER_VENV := $(ROOT)/.venv-bouncer
BOUNCER_BIN := $(BOUNCER_VENV)/bin
BOUNCER_STAMP := $(BOUNCER_VENV)/.installed-stamp
# more dbt-bouncer run options, e.g. BOUNCER_ARGS='--baseline bouncer-baseline.json'
BOUNCER_ARGS ?=

$(BOUNCER_STAMP): requirements-bouncer.lock | $(STAMP)
	@test -x $(BOUNCER_BIN)/python || $(PYTHON) -m venv $(BOUNCER_VENV)
	$(UV_INSTALL) $(BOUNCER_BIN)/python --no-deps -r $(ROOT)/requirements-bouncer.lock \
		|| $(BOUNCER_BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
			-r $(ROOT)/requirements-bouncer.lock
	$(BOUNCER_BIN)/python -m pip check --disable-pip-version-check
	@touch $@

install-bouncer: $(BOUNCER_STAMP)

## run: build the warehouse from the bundled sample, export recommendations, write the report,
## print a summary ending with the verdict and the report's path
run: build report summary

## build: check the vars, build into a new file, swap it in only if every model and test passed,
## then export (ipre build; docs/operations.md). A failed build changes nothing.
build: install
	$(BIN)/ipre build

## check-vars: check VARS (names, domains, input files) without building
check-vars: install
	$(BIN)/ipre check-vars

## inspect: read a sales-lines export (and masters, feedback) and propose the vars that build it,
## e.g. make inspect INSPECT_ARGS='--invoices /data/lines.csv.gz --write vars.yml'
INSPECT_ARGS ?=
inspect: install
	@test -n "$(strip $(INSPECT_ARGS))" || { echo "usage: make inspect INSPECT_ARGS='--invoices FILE [--write vars.yml]'" >&2; exit 2; }
	$(BIN)/ipre inspect $(INSPECT_ARGS)

export: install
	$(BIN)/ipre export

summary: install
	$(BIN)/ipre summary

## report: the Sales Leader report, one self-contained file report/index.html (docs/report.md)
report: install
	$(BIN)/ipre report

## check: judge the last build against the alert vars and the previous build; prints each
## breach, writes target/check.json, exits 1 on a breach (docs/monitoring.md)
check: install
	$(BIN)/ipre check

## chromium: Debian's chromium for the report's browser test (tests/python/test_report.py),
## installed when missing (CI runs as root on a fresh machine)
chromium:
	@test -x /usr/bin/chromium || { apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

## test: lint, every dbt data and unit test, and pytest
# No separate dbt-test: pytest's session build of the sample is `ipre build --unit-tests`, and
# tests/python/test_dbt_tests.py checks that every data and unit test there passed.
# Lint runs beside pytest (-j2), each target's output printed whole when it ends: pytest's two
# workers leave a core idle much of the time (about 610 CPU-seconds in 380-410 s on 2 cores)
# and lint needs about 110 CPU-seconds, so beside pytest it costs far less than its 75 s
# after it. Either failing fails the target.
test: install chromium
	$(MAKE) --no-print-directory -j2 --output-sync=target lint pytest

lint: install
	$(BIN)/ruff check $(ROOT)
	DBT_TARGET_PATH=$(ROOT)/target/sqlfluff $(BIN)/sqlfluff lint models tests --processes 2
	$(MAKE) --no-print-directory bouncer

## bouncer: the project's layer, lineage, docs, test and access rules (dbt-bouncer.yml) on the
## manifest of `dbt parse`: no warehouse needed. Parsed with ranking_method learned, so that the
## learned ranker's models (enabled only then) are checked too, into target/bouncer of its own
## (dbt-bouncer.yml reads it there), so the build's target/ and its partial parse stay as they are.
BOUNCER_TARGET := $(ROOT)/target/bouncer
bouncer: install install-bouncer
	DBT_TARGET_PATH=$(BOUNCER_TARGET) $(DBT) parse --quiet --vars '{ranking_method: learned}'
	cd $(ROOT) && $(BOUNCER_BIN)/dbt-bouncer run --config-file $(ROOT)/dbt-bouncer.yml \
		--show-all-failures $(BOUNCER_ARGS)

dbt-test: install
	$(BIN)/ipre build --unit-tests

# Both cores (pytest-xdist): a module's tests run on one worker, so its dbt builds happen once;
# session builds are shared by the workers (tests/python/conftest.py). --durations lists the
# slowest tests after the run. Three workers on two cores: the tests wait on subprocesses,
# servers and file locks, so two workers left a core idle; on the 2-core machine (warm venv)
# 2 workers took 381-408 s, 3 took 264 s and 4 took 259 s (docs/benchmarks.md).
PYTEST_WORKERS ?= 3
pytest: install chromium
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadscope --durations=25 \
		--ignore=$(ROOT)/tests/python/test_spark_equality.py

docs: install
	$(DBT) docs generate
	@echo "dbt docs site: $(ROOT)/target/index.html (serve it with: $(DBT) docs serve)"

## serve: the inference server (gunicorn, workers from MODEL_SERVER_WORKERS) over the export;
## it verifies the manifest and reloads when a new export is published (docs/salesforce.md)
serve: install
	IPRE_RECOMMENDATIONS_URI=$${IPRE_RECOMMENDATIONS_URI:-$(IPRE_EXPORT_DIR)/recommendations.parquet} \
		$(BIN)/python $(ROOT)/serve/serve

EVAL_CUTOFF ?=
EVAL_CUTOFFS ?=
EVAL_HORIZON ?= 90
EVAL_DIR ?= $(ROOT)/target/eval
EVAL_DATASET ?=

## eval: rebuild as of a cutoff (default: EVAL_HORIZON days before the last invoice), or as of
## each of EVAL_CUTOFFS (comma-separated dates: a rolling backtest), and score the engine, its
## two ablations and four baselines on the next EVAL_HORIZON days; rows are appended to
## eval_metrics, labelled EVAL_DATASET (default: derived from the input paths)
eval: install
	$(BIN)/ipre check-vars
	$(BIN)/ipre evaluate --vars "$$IPRE_VARS" --horizon-days $(EVAL_HORIZON) \
		--eval-dir $(EVAL_DIR) $(if $(EVAL_CUTOFF),--cutoff $(EVAL_CUTOFF)) \
		$(if $(EVAL_CUTOFFS),--cutoffs $(EVAL_CUTOFFS)) \
		$(if $(EVAL_DATASET),--dataset '$(EVAL_DATASET)')

REAL_DATA_DIR ?= $(ROOT)/../shared/data/online-retail-2009-2010
REAL_CUTOFFS ?= 2010-06-12,2010-08-11,2010-09-10
REAL_EVAL_DIR ?= $(ROOT)/target/eval-real
# the shop's codes that are not merchandise, as its product master names them: postage,
# carriage, manual lines, discount, samples, bad debt, adjustments, fees, tests, gift vouchers
REAL_EXCLUDED_PRODUCTS ?= [POST, DOT, C2, C3, M, m, D, S, B, ADJUST, ADJUST2, AMAZONFEE, \
	BANK CHARGES, TEST001, TEST002, gift_0001_10, gift_0001_20, gift_0001_30, gift_0001_40, \
	gift_0001_50, gift_0001_60, gift_0001_70, gift_0001_80, gift_0001_90]
# more vars for the real data, e.g. REAL_EXTRA_VARS='ranking_method: learned'
REAL_EXTRA_VARS ?=
REAL_VARS ?= {customers_path: $(REAL_DATA_DIR)/customers.csv.gz, \
	products_path: $(REAL_DATA_DIR)/products.csv.gz, \
	invoices_path: $(REAL_DATA_DIR)/invoices.csv.gz, feedback_path: none, \
	excluded_products: $(REAL_EXCLUDED_PRODUCTS)$(if $(strip $(REAL_EXTRA_VARS)),$(comma) $(REAL_EXTRA_VARS))}

## run-real: make run on the real Online Retail II data (REAL_DATA_DIR, REAL_VARS): replaces
## the published warehouse and export
run-real: install
	$(MAKE) --no-print-directory run VARS='$(REAL_VARS)'

## eval-real: the rolling backtest on the real Online Retail II data (REAL_DATA_DIR) at
## REAL_CUTOFFS, dataset online-retail-2009-2010; VARS other than {} replace REAL_VARS
eval-real: install
	$(MAKE) --no-print-directory eval EVAL_CUTOFF= EVAL_CUTOFFS='$(REAL_CUTOFFS)' \
		EVAL_DATASET=online-retail-2009-2010 EVAL_DIR='$(REAL_EVAL_DIR)' \
		VARS='$(if $(filter {},$(strip $(VARS))),$(REAL_VARS),$(VARS))'

## eval-real-raw: the same backtest on the published Online Retail II export itself (one wide
## file, no masters): `ipre inspect --write` makes the vars file, nothing is reshaped by hand
REAL_RAW_FILE ?= $(REAL_DATA_DIR)/raw/online_retail_II.csv.gz
REAL_RAW_VARS_FILE ?= $(ROOT)/target/real-raw-vars.yml
eval-real-raw: install
	mkdir -p $(dir $(REAL_RAW_VARS_FILE))
	$(BIN)/ipre inspect --invoices $(REAL_RAW_FILE) --write $(REAL_RAW_VARS_FILE)
	$(MAKE) --no-print-directory eval EVAL_CUTOFF= EVAL_CUTOFFS='$(REAL_CUTOFFS)' \
		EVAL_DATASET=online-retail-2009-2010-raw EVAL_DIR='$(ROOT)/target/eval-real-raw' \
		VARS_FILE='$(REAL_RAW_VARS_FILE)' VARS='{excluded_products: $(REAL_EXCLUDED_PRODUCTS)}'

## bench-ranker: the learned ranker's ablation by feature group on the real data's as-of builds
## at REAL_CUTOFFS, beside the similarity method (bench/learned_ranker.py)
bench-ranker: install
	$(BIN)/python bench/learned_ranker.py --vars '$(if $(filter {},$(strip $(VARS))),$(REAL_VARS),$(VARS))' \
		--cutoffs $(REAL_CUTOFFS) --work-dir '$(ROOT)/target/learned-ranker'

## bench: pipeline benchmarks (BENCH_SCALES=poc,50k,1M by default; also 10M, 10M-200k, 30M; "all" = every one)
## -> bench/results/*.json, docs/benchmarks.png
bench: install
	PYTHONPATH=$(ROOT) $(BIN)/python $(ROOT)/bench/run_bench.py
	PYTHONPATH=$(ROOT) $(BIN)/python -m bench.report

## bench-serve: the inference server against the last stdlib one (issue 14's bar), same run
SERVE_BENCH_ARGS ?= --old-rev 42988fa --customers 477,20000 --seconds 4 --concurrency 50 \
	--rate 2000 --only single --repeat 4
bench-serve: install
	PYTHONPATH=$(ROOT) $(BIN)/python $(ROOT)/bench/serve_bench.py $(SERVE_BENCH_ARGS)

SPARK_STAMP := $(VENV)/.spark-installed-stamp
export IPRE_SPARK_DIR ?= $(ROOT)/target/spark
SPARK_DBT := IPRE_TARGET=spark $(DBT)
# the dbt Python models, built on the local session by the python -m steps of test-spark (their
# tables in schema intermediate; the marts customer_clusters, product_neighbours and
# customer_similarity_scores are views over the first three, built by the last dbt build)
SPARK_PYTHON_MODELS := int_customer_clusters int_product_neighbours int_customer_similarity_scores \
	int_ranker_snapshot_neighbours int_ranker_similarity_candidates int_ranker_model \
	int_ranker_scores
# what each python -m step reads: built before it
SPARK_FIRST := +int_market_basket +int_product_momentum +int_ranker_snapshot_baskets
SPARK_SECOND := +int_ranker_features
# pipeline_runs is not built on Spark: an append-only run history of one warehouse, with the
# run's own id and time, so never equal across engines (docs/monitoring.md)
SPARK_EXCLUDED_MODELS := pipeline_runs
# Spark reads the sample as catalog tables (the seeds in schema raw) through the
# <entity>_relation vars, so the equality test also covers warehouse-table inputs
# (docs/inputs.md): the marts must still equal DuckDB's, which reads the seeds directly.
# ranking_method learned: its models exist only then, and the equality test compares them too.
SPARK_INPUT_VARS := {invoices_relation: raw.raw_invoices, customers_relation: raw.raw_customers, \
	products_relation: raw.raw_products, feedback_relation: raw.raw_feedback, \
	ranking_method: learned}

$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(UV_INSTALL) $(BIN)/python -c requirements.lock -c requirements-spark.lock -e '.[test,spark]' \
		|| $(BIN)/python -m pip install --quiet --disable-pip-version-check \
			-c requirements.lock -c requirements-spark.lock -e '.[test,spark]'
	@touch $@

install-spark: $(SPARK_STAMP)

## test-spark: build the sample on a local Spark session (the same dbt models; clustering as a
## grouped-map pandas UDF, product_neighbours and customer_similarity_scores by python -m
## ipre.similarity.spark, each into its int_ twin; the marts over them are built last) and check
## every mart equals DuckDB's row for row
test-spark: install-spark
	@command -v java >/dev/null || { echo "make test-spark needs Java 17 or 21 (java on PATH)" >&2; exit 1; }
	rm -rf $(IPRE_SPARK_DIR)
	$(SPARK_DBT) seed
	$(SPARK_DBT) build --select $(SPARK_FIRST) --indirect-selection cautious \
		--vars '$(SPARK_INPUT_VARS)'
	IPRE_TARGET=spark $(BIN)/python -m ipre.clustering.spark
	IPRE_TARGET=spark $(BIN)/python -m ipre.similarity.spark
	IPRE_TARGET=spark $(BIN)/python -m ipre.ranker.spark similarity --vars '$(SPARK_INPUT_VARS)'
	$(SPARK_DBT) build --select $(SPARK_SECOND) --exclude $(SPARK_FIRST) $(SPARK_PYTHON_MODELS) \
		--indirect-selection cautious --vars '$(SPARK_INPUT_VARS)'
	IPRE_TARGET=spark $(BIN)/python -m ipre.ranker.spark model --vars '$(SPARK_INPUT_VARS)'
	$(SPARK_DBT) build --exclude $(SPARK_FIRST) $(SPARK_SECOND) $(SPARK_PYTHON_MODELS) \
		$(SPARK_EXCLUDED_MODELS) --vars '$(SPARK_INPUT_VARS)'
	$(SPARK_DBT) test --select $(SPARK_PYTHON_MODELS) --vars '$(SPARK_INPUT_VARS)'
	IPRE_SPARK_EQUALITY_DIR=$(IPRE_SPARK_DIR) $(BIN)/pytest -q $(ROOT)/tests/python/test_spark_equality.py

## sample: regenerate the bundled sample under seeds/sample
sample: install
	$(BIN)/ipre generate --scale poc --out $(ROOT)/seeds/sample --file-prefix raw_

clean:
	rm -rf target logs export report $(IPRE_DUCKDB_PATH) $(IPRE_DUCKDB_PATH).wal $(IPRE_DUCKDB_PATH).lock
