# asn-jobfit: every target is one CLI command; `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

DATA_DIR  ?= data/demo
EMPLOYEES ?= 5000
SEED      ?= 42
FORMAT    ?= csv
REJECTS   ?=
CONFIG    ?= training/configs/default.yaml
PORT      ?= 8000
VERSION   ?=
ROLE      ?= committee
AGENCY    ?=
NAME      ?=
NIP       ?=
USER_ID   ?=
DAYS      ?= 90
KEY_ID    ?=
FILE      ?=
POSITIONS ?=
TRIALS    ?= 20
WORKERS   ?= 2
SERVE_WORKERS = $(if $(filter file,$(origin WORKERS)),1,$(WORKERS))

.PHONY: help install test test-quick lint format data validate train evaluate tune promote rollback export \
        mlflow-ui serve run user employee-accounts api-key revoke-key list-keys grant audit-verify purge integrity bench bench-http bench-national \
        ingest-outcomes campaign holdout monitor lock staleness

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev]'
	@bash .ci/install-browser
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev extras at the versions of requirements.lock

lock: install ## Refresh requirements.lock from pyproject (pip-compile; kept pins stay, UPGRADE=1 takes the newest)
	$(VENV)/bin/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links --annotation-style line $(if $(UPGRADE),--upgrade) -o $(LOCK) pyproject.toml

test: install ## Run the whole test suite on WORKERS processes (WORKERS=0: in this one)
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup

test-quick: install ## The tests that need no MLflow-trained champion, browser or server process
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup -m "not slow"

lint: install ## Check style and formatting with ruff (fix with `make format`)
	$(VENV)/bin/ruff check features training serving tests
	$(VENV)/bin/ruff format --check features training serving tests

format: install ## Format the tree with ruff
	$(VENV)/bin/ruff format features training serving tests

data: install ## Generate a synthetic export: DATA_DIR, EMPLOYEES, SEED, FORMAT=csv|parquet
	$(PY) -m training data --out $(DATA_DIR) --employees $(EMPLOYEES) --seed $(SEED) --format $(FORMAT)

validate: install ## Validate an export against the data contract: DATA_DIR [REJECTS=file]
	$(PY) -m training validate --data-dir $(DATA_DIR) $(if $(REJECTS),--rejects $(REJECTS))

train: install ## Train, evaluate, register and gate a ranker: DATA_DIR [CONFIG]
	$(PY) -m training train --data-dir $(DATA_DIR) --config $(CONFIG)

evaluate: install ## Evaluate a registered version (default: champion) on held-out rounds: DATA_DIR [VERSION]
	$(PY) -m training evaluate --data-dir $(DATA_DIR) $(if $(VERSION),--version $(VERSION))

holdout: install ## Score the champion's served top 10 against a held-back truth: DATA_DIR [TRUTH=DATA_DIR-truth]
	$(PY) -m serving holdout --data-dir $(DATA_DIR) --truth $(if $(TRUTH),$(TRUTH),$(DATA_DIR)-truth)

staleness: install ## Train at earlier cut-offs, score later years: NDCG@10 by model age: DATA_DIR [CUTOFFS=3]
	$(PY) -m training staleness --data-dir $(DATA_DIR) --config $(CONFIG) --cutoffs $(or $(CUTOFFS),3)

tune: install ## Search hyperparameters with Optuna, each trial logged to MLflow: DATA_DIR [TRIALS]
	$(PY) -m training tune --data-dir $(DATA_DIR) --config $(CONFIG) --trials $(TRIALS)

promote: install ## Make a registered version the champion: VERSION
	$(PY) -m training promote --version $(VERSION)

rollback: install ## Give the champion alias back to the previous champion
	$(PY) -m training rollback

export: install ## Export the champion into models/ for offline serving
	$(PY) -m training export --out models

mlflow-ui: install ## Start the MLflow UI on http://127.0.0.1:5000
	$(PY) -m training mlflow-ui

ingest-outcomes: install ## Add outcome ratings of placed people as OUTCOME labels: DATA_DIR FILE
	$(PY) -m training ingest-outcomes --data-dir $(DATA_DIR) --file $(FILE)

monitor: install ## Compare a new export with the champion's training export (drift, HTML report): DATA_DIR
	$(PY) -m training monitor --data-dir $(DATA_DIR) --config $(CONFIG)

serve: install ## Serve the API and review page on http://127.0.0.1:PORT: DATA_DIR [PORT] [WORKERS=N processes, default 1]
	$(PY) -m serving serve --data-dir $(DATA_DIR) --port $(PORT) --workers $(SERVE_WORKERS)

run: install ## The main job: demo export if none, train, register, serve on http://127.0.0.1:PORT with a demo key
	$(PY) -m serving run --data-dir $(DATA_DIR) --employees $(EMPLOYEES) --seed $(SEED) --config $(CONFIG) --port $(PORT)

user: install ## Create a user (one-time password printed): ROLE NAME NIP [AGENCY] [DATA_DIR]; ROLE=employee NIP=...
	$(PY) -m serving user --role $(ROLE) $(if $(NAME),--name "$(NAME)") $(if $(NIP),--nip $(NIP)) $(if $(AGENCY),--agency $(AGENCY)) --data-dir $(DATA_DIR)

employee-accounts: install ## Accounts for an agency's active employees; passwords to a 0600 file: AGENCY [DATA_DIR] [OUT]
	$(PY) -m serving employee-accounts --agency $(AGENCY) --data-dir $(DATA_DIR) $(if $(OUT),--out $(OUT))

api-key: install ## Create an expiring API key: USER_ID=id, or ROLE [AGENCY] for a service user; [DAYS]
	$(PY) -m serving api-key --role $(ROLE) $(if $(AGENCY),--agency $(AGENCY)) $(if $(USER_ID),--user $(USER_ID)) --days $(DAYS) --data-dir $(DATA_DIR)

revoke-key: install ## Revoke an API key at once: KEY_ID
	$(PY) -m serving revoke-key --key-id $(KEY_ID)

list-keys: install ## List API keys (owner, role, agency, expiry; never the secrets)
	$(PY) -m serving list-keys

grant: install ## Open agency FROM's pool to agency TO: USER_ID (the admin) FROM TO REASON [DAYS]
	$(PY) -m serving grant --by $(USER_ID) --from $(FROM) --to $(TO) --reason "$(REASON)" --days $(DAYS) --data-dir $(DATA_DIR)

audit-verify: install ## Check the audit log (seals, chain, decisions, shortlists, checkpoints); non-zero on tampering
	$(PY) -m serving audit-verify

purge: install ## Delete generated shortlists nobody decided on after the retention period: [KEEP_DAYS=90]
	$(PY) -m serving purge $(if $(KEEP_DAYS),--days $(KEEP_DAYS))
integrity: install ## Integrity reports (JSON + CSV, owner-only) into OUT (reports/integrity) [AGENCY=agency_id]
	$(PY) -m serving integrity --out $(or $(OUT),reports/integrity) $(if $(AGENCY),--agency $(AGENCY))

campaign: install ## Assign many vacancies at once: DATA_DIR [POSITIONS=id,id,...|AGENCY=agency_id]
	$(PY) -m serving campaign --data-dir $(DATA_DIR) $(if $(POSITIONS),--positions $(POSITIONS)) $(if $(AGENCY),--agency $(AGENCY))

bench: install ## Benchmark features, shortlists and predict at 1k-1M candidates; prints medians and ratios
	$(PY) -m serving bench

bench-http: install ## Only requests/s with 8 clients at a 10k pool, for serve with 1 and 2 workers
	$(PY) -m serving bench --http-only

bench-national: install ## Generate (once) a partitioned national export, validate and prepare it per agency: time, peak RSS
	$(PY) -m training.bench_national --employees $(or $(NATIONAL_EMPLOYEES),1000000) --seed $(SEED) --format parquet
