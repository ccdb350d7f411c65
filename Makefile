# The two commands that matter: `make run` (the whole system locally) and `make test`.
# Both set up everything they need on a fresh machine: the virtualenv, the pinned packages and
# the Debian packages (Chromium for browser tests, Pango for WeasyPrint, Node.js and Java for the Nu Html Checker).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
S3_PORT ?= 8001
DEMO_OPENINGS ?= infra/local/demo-opening.json
DEBIAN_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core nodejs openjdk-17-jre-headless
export AWS_DEFAULT_REGION ?= eu-west-1

.PHONY: preflight run test test-deps test-unit test-integration test-e2e fuzz bench site bundle allocation budget lock system-deps clean deploy publish smoke

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The Nu Html Checker (vnu-jar, run on Java) for the built pages, pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Installs only what is missing, so a second run costs nothing.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

site: $(BIN)/.installed
	IMVO_EXTRA_OPENINGS_FILE=$(DEMO_OPENINGS) $(BIN)/pelican content -s pelicanconf.py -o output

run: system-deps site
	IMVO_EXTRA_OPENINGS_FILE=$(abspath $(DEMO_OPENINGS)) $(BIN)/imvo-run --port $(PORT) --s3-port $(S3_PORT)

# checkov lives in its own virtualenv: its dependency pins clash with ours.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# The three installs do not depend on each other (npm comes with system-deps): side by side on a fresh machine.
test-deps: system-deps
	$(MAKE) --no-print-directory -j3 $(BIN)/.installed $(CHECKOV_VENV)/.installed node_modules/.installed

# IMVO_IAM_COVERAGE=1: over the whole suite, every grant in the template must be used by some call.
test: test-deps
	IMVO_IAM_COVERAGE=1 $(BIN)/python -m pytest

test-unit: $(BIN)/.installed
	$(BIN)/python -m pytest tests/unit

test-integration: $(BIN)/.installed node_modules/.installed
	$(BIN)/python -m pytest tests/integration

test-e2e: system-deps $(BIN)/.installed node_modules/.installed
	$(BIN)/python -m pytest tests/e2e

# The property tests and the API fuzzing with Hypothesis's deep profile (many more examples, the
# Schemathesis coverage phase too); `make test` runs the same tests bounded and reproducible.
fuzz: system-deps $(BIN)/.installed
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest tests/integration/test_properties.py tests/integration/test_api_contract.py

bench: system-deps $(BIN)/.installed site
	$(BIN)/python -m tests.bench

# The admin's dated bundle, from the embedded S3 of a running `make run` (or a real bucket when
# AWS_ENDPOINT_URL is set to nothing and AWS credentials are present).
bundle: $(BIN)/.installed
	@test -n "$(DAY)" || { echo "Give the day: make bundle DAY=YYYY-MM-DD"; exit 2; }
	AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL-http://127.0.0.1:$(S3_PORT)} \
	AWS_ACCESS_KEY_ID=$${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=$${AWS_SECRET_ACCESS_KEY:-local} \
	$(BIN)/imvo-admin bundle --day $(DAY)

# The allocation report (CSV, HTML, PDF) of an opening (OPENING=demo for `make run`'s), with the
# published lottery seed.
OPENING ?= 2022-1
allocation: $(BIN)/.installed
	@test -n "$(SEED)" || { echo "Give the published lottery seed: make allocation SEED=..."; exit 2; }
	AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL-http://127.0.0.1:$(S3_PORT)} \
	AWS_ACCESS_KEY_ID=$${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=$${AWS_SECRET_ACCESS_KEY:-local} \
	$(BIN)/imvo-admin allocation --seed "$(SEED)" --opening "$(OPENING)"

# The public budget meter (budget.json) of the last opened opening into the built site, from the running
# `make run` (the deployed stack does this after every Dutch day on a schedule).
budget: $(BIN)/.installed
	AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL-http://127.0.0.1:$(S3_PORT)} \
	AWS_ACCESS_KEY_ID=$${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=$${AWS_SECRET_ACCESS_KEY:-local} \
	IMVO_EXTRA_OPENINGS_FILE=$(abspath $(DEMO_OPENINGS)) $(BIN)/imvo-admin budget --site output

# Re-resolve every transitive pin from the direct pins in requirements.in.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	( echo "# Generated by 'make lock' from requirements.in: every package pinned."; .lock-venv/bin/pip freeze --exclude-editable ) > requirements.txt
	rm -rf .lock-venv

clean:
	rm -rf output bundles .pytest_cache .aws-sam

# --- AWS: one template, three environments (samconfig.toml). See README, "Deploying".
ENV ?= test
DEPLOY_VENV := .venv-deploy
$(DEPLOY_VENV)/.installed: requirements-deploy.txt
	test -x $(DEPLOY_VENV)/bin/python || $(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-deploy.txt
	touch $@

# Before a deploy: the account's Lambda quota against the reserved concurrency of ENV (what to request if short).
preflight: $(BIN)/.installed
	$(BIN)/imvo-preflight --environment $(ENV)

deploy: $(DEPLOY_VENV)/.installed preflight
	$(DEPLOY_VENV)/bin/sam build --config-env $(ENV)
	$(DEPLOY_VENV)/bin/sam deploy --config-env $(ENV)

# The site for an environment: Pelican with publishconf.py, then synced to the stack's site bucket
# and the CloudFront cache invalidated (names read from the stack's outputs).
publish: $(BIN)/.installed
	$(BIN)/pelican content -s publishconf.py -o output
	$(BIN)/imvo-publish --stack imvo-$(ENV) --site output

# The whole path through a running stack (a browser upload, its scan, a submission, the record, the e-mail, an
# officer's bundle, the error shapes); `make test` runs the same against the local system. An officer's account
# of the test pool: ADMIN_USER=… ADMIN_PASSWORD=… (without it, the officer's part is reported as not run).
smoke: system-deps $(BIN)/.installed
	@test -n "$(URL)" || { echo "Give the site's address: make smoke URL=https://... ADMIN_USER=... ADMIN_PASSWORD=..."; exit 2; }
	$(BIN)/python -m tests.smoke $(URL)

# AWS SAM `BuildMethod: makefile` targets (sam build): each zip function's handler, only the imvo
# modules it imports, schemas, data, and wheels for the runtime (python3.12, x86_64) whatever builds it.
LAMBDA_BUILD = PYTHONPATH=functions $(PYTHON) -m imvo_local.lambda_build

build-SubmitFunction:
	$(LAMBDA_BUILD) SubmitFunction $(ARTIFACTS_DIR)

build-CheckFunction:
	$(LAMBDA_BUILD) CheckFunction $(ARTIFACTS_DIR)

build-SupplementFunction:
	$(LAMBDA_BUILD) SupplementFunction $(ARTIFACTS_DIR)

build-UploadsFunction:
	$(LAMBDA_BUILD) UploadsFunction $(ARTIFACTS_DIR)

build-AdminFunction:
	$(LAMBDA_BUILD) AdminFunction $(ARTIFACTS_DIR)

build-BudgetFunction:
	$(LAMBDA_BUILD) BudgetFunction $(ARTIFACTS_DIR)

build-SequencerFunction:
	$(LAMBDA_BUILD) SequencerFunction $(ARTIFACTS_DIR)

build-ReceiptLogFunction:
	$(LAMBDA_BUILD) ReceiptLogFunction $(ARTIFACTS_DIR)

build-RecordFunction:
	$(LAMBDA_BUILD) RecordFunction $(ARTIFACTS_DIR)
