# contract-milestones — every target creates .venv itself; nothing is assumed installed by hand.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
AS_OF ?= 2026-12-01
# CUAD v1 (read from a path, never copied in): ../shared/cuad beside the checkout, else the workplace copy.
CUAD ?= $(firstword $(wildcard ../shared/cuad /work/shared/cuad) ../shared/cuad)
export MILESTONES_CUAD ?= $(abspath $(CUAD))

# Embedded Airflow: metadata in SQLite under .airflow/, DAGs and plugins from this checkout.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export DO_NOT_TRACK := 1
export MILESTONES_HOME := $(CURDIR)

# Debian packages the tests use: OCR for scanned PDFs, Chromium for the browser tests.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-eng chromium

.PHONY: install system-deps demo test test-e2e test-slow test-distributed bench eval dbt-manifest parse-times airflow lint lock clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: system-deps $(STAMP)  ## create .venv and install the pinned stack (+ Debian OCR/Chromium packages)

system-deps:  ## install the Debian packages above when missing (needs root; otherwise prints the command)
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "warning: missing Debian packages:$$missing — run: sudo apt-get install$$missing"; fi

demo: install dashboards-install  ## run the nightly DAGs over the bundled sample contracts, build the dashboards, print a summary
	$(PY) -m milestones.demo --as-of $(AS_OF)

test: install dbt-manifest  ## unit tests + one real end-to-end DAG run (under 10 minutes)
	$(PY) -m pytest -m "not slow and not distributed" -q

test-e2e: install dbt-manifest  ## only the end-to-end run of the three DAGs (airflow dags test) on sample contracts
	$(PY) -m pytest -m e2e -q

test-slow: install dbt-manifest  ## heavier suites: full-corpus checks, dbt round trips, a real api-server (browser: make test-browser; scheduler backfill: make test-backfill)
	$(PY) -m pytest -m "slow and not browser and not distributed and not scheduler" -q

test-distributed: install dbt-manifest  ## same DAGs on CeleryExecutor: PostgreSQL metadata, Redis broker, two workers (~10 min)
	$(PY) -m pytest -m distributed -q tests/distributed

eval: install  ## score key dates on the CUAD dev split
	$(VENV)/bin/milestones eval --cuad $(CUAD) --split dev

bench: install  ## per-stage numbers: CUAD PDFs end to end, 1k/10k/50k scale, incremental (BENCH_ARGS="--limit 50 --scale 1000")
	$(PY) -m milestones.bench --cuad $(CUAD) $(BENCH_ARGS)

dbt-manifest: install  ## dbt parse into dbt/target/dag/manifest.json when stale (register_models renders its dbt tasks from it)
	$(PY) -m milestones.dbt_manifest

parse-times: install dbt-manifest  ## wall seconds of `python dags/<each>.py`, 3 fresh runs each (budget: 2 s per file)
	$(PY) -m milestones.parse_times

airflow: install  ## Airflow UI on http://127.0.0.1:8080 (airflow standalone, embedded SQLite)
	$(PY) -m milestones.demo --prepare-only --as-of $(AS_OF)
	AIRFLOW__API__PORT=8080 $(VENV)/bin/airflow standalone

lint: install  ## ruff, mypy, sqlfluff
	$(VENV)/bin/ruff check extractors plugins dags expectations tests
	$(VENV)/bin/mypy
	$(VENV)/bin/sqlfluff lint dbt/models --dialect duckdb

lock:  ## re-resolve the stack from pyproject.toml into constraints.txt
	rm -rf /tmp/milestones-lock && $(PYTHON) -m venv /tmp/milestones-lock
	/tmp/milestones-lock/bin/pip install -q --upgrade pip
	/tmp/milestones-lock/bin/pip install -q ".[dev]"
	/tmp/milestones-lock/bin/pip freeze --exclude contract-milestones | grep -v '^-e' > constraints.txt

clean:  ## remove run state (warehouse, outbox, Airflow home); keeps .venv
	rm -rf data .airflow dbt/target dbt/logs

# -- review app (issue #6) ---------------------------------------------------------------------------------
REVIEW_PORT ?= 8090
.PHONY: review-app test-browser

review-app: install  ## review queue + extraction API on http://127.0.0.1:$(REVIEW_PORT) (demo accounts printed if none set)
	$(PY) -m milestones.review.serve --port $(REVIEW_PORT) --demo-users

test-browser: install dbt-manifest dashboards-install  ## Playwright + Debian chromium: the review flow and every dashboard; screenshots in data/screenshots/review, plugins/dashboards/screenshots
	$(PY) -m pytest -m browser -q

# --- contract sources, amendments, reprocessing (issue #7 A) ---
.PHONY: reprocess test-sources

reprocess: install  ## re-extract contracts, human decisions kept: make reprocess ARGS="--contract ID" (or --all, --since-version X, --outdated)
	$(PY) -m milestones.reprocess $(ARGS)

test-sources: install dbt-manifest  ## CLM sources, webhooks, amendments, reprocess (fakes on 127.0.0.1; + the slow clm_sync DAG run)
	$(PY) -m pytest -q -m "not distributed" tests/plugins/sources tests/plugins/test_amendments.py tests/plugins/test_reprocess.py tests/extractors/test_amendments.py

# -- leadership dashboards (issue #8): Apache Superset in its own virtualenv ------------------------------------
SUPERSET_VENV := .venv-superset
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
DASHBOARDS_PORT ?= 8088
.PHONY: dashboards-install dashboards-build dashboards test-dashboards dashboards-lock

$(SUPERSET_STAMP): plugins/dashboards/requirements.txt plugins/dashboards/constraints.txt plugins/dashboards/provision.py
	test -x $(SUPERSET_VENV)/bin/python || $(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/python -m pip install -q --upgrade pip
	$(SUPERSET_VENV)/bin/python -m pip install -q -c plugins/dashboards/constraints.txt -r plugins/dashboards/requirements.txt
	$(SUPERSET_VENV)/bin/python plugins/dashboards/provision.py template --out $(SUPERSET_VENV)/superset-template.db \
	  > $(SUPERSET_VENV)/template.log 2>&1 || { tail -30 $(SUPERSET_VENV)/template.log; exit 1; }
	touch $(SUPERSET_STAMP)

dashboards-install: $(SUPERSET_STAMP)  ## Apache Superset + DuckDB driver, pinned, in .venv-superset (~2-4 min, ~0.9 GB)

dashboards-build: install dashboards-install  ## provision the dashboards on data/published/warehouse.duckdb (run make demo first)
	$(PY) -m milestones.dashboards build

dashboards: install dashboards-install  ## provision and serve the dashboards on http://127.0.0.1:$(DASHBOARDS_PORT) (run make demo first)
	MILESTONES_DASHBOARDS_PORT=$(DASHBOARDS_PORT) $(PY) -m milestones.dashboards serve

test-dashboards: install dashboards-install  ## every dashboard in headless Chromium vs the marts; screenshots in plugins/dashboards/screenshots
	$(PY) -m pytest -m browser -q tests/browser/test_dashboards.py

dashboards-lock:  ## re-resolve plugins/dashboards/requirements.txt into plugins/dashboards/constraints.txt
	rm -rf /tmp/dashboards-lock && $(PYTHON) -m venv /tmp/dashboards-lock
	/tmp/dashboards-lock/bin/pip install -q --upgrade pip
	/tmp/dashboards-lock/bin/pip install -q -r plugins/dashboards/requirements.txt
	(echo "# Full pin set of .venv-superset, resolved from requirements.txt by \`make dashboards-lock\` (pip freeze)."; \
	 /tmp/dashboards-lock/bin/pip freeze) > plugins/dashboards/constraints.txt

# --- warehouse: dbt, catalog, register bench, backfill (issue #4) ----------------------------------------------
WAREHOUSE ?= $(CURDIR)/data/warehouse.duckdb
CONTRACTS ?= 50000
.PHONY: dbt-build dbt-docs bench-register test-backfill

dbt-build: install  ## dbt build (models, snapshot, data and unit tests) on the warehouse as of AS_OF
	MILESTONES_WAREHOUSE=$(WAREHOUSE) $(VENV)/bin/dbt build --project-dir dbt --profiles-dir dbt --vars '{as_of: "$(AS_OF)"}'

dbt-docs: install  ## the dbt catalog into data/dbt_docs (open static_index.html)
	MILESTONES_WAREHOUSE=$(WAREHOUSE) $(PY) -m milestones.dbt_docs --as-of $(AS_OF)

bench-register: install  ## register load + dbt build on CONTRACTS synthetic contracts (default 50000), prints seconds
	$(PY) -m milestones.register_bench --contracts $(CONTRACTS) --dbt

test-backfill: install dbt-manifest  ## airflow backfill create on a real scheduler + dag-processor + api-server (~20 min)
	$(PY) -m pytest -m slow -q tests/plugins/test_backfill.py

# --- late-risk model (issue #9 part 5) ---------------------------------------------------------------------------
.PHONY: risk-eval

risk-eval: install  ## late-risk model vs rules baseline: quarterly backtest on the demo history (AUC, Brier, calibration)
	$(PY) -m milestones.risk eval $(RISK_ARGS)
