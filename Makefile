# One virtualenv for everything; reinstalled only when pyproject.toml changes.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONUNBUFFERED := 1

.PHONY: install system-deps demo test test-slow lint bench clean docs test-browser

# Debian packages: speech synthesis for the audio codec's corpus, Opus for its baseline,
# chromium for the browser test (.ci/run installs the same).
SYSTEM_PACKAGES := festival festvox-kallpc16k festvox-kdlpc16k espeak-ng opus-tools chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,codecs]"
	touch $(STAMP)

install: $(STAMP)

system-deps:
	apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES)

# The docs site: the `docs` extra (MkDocs Material, mkdocstrings, mkdocs-jupyter) and npm
# packages (onnxruntime-web and KaTeX vendored into the site, playwright-core for the browser
# test). --ignore-scripts: postinstall scripts download binaries, which fails offline.
DOCS_STAMP := $(VENV)/.docs-installed
NODE_STAMP := node_modules/.installed

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e ".[dev,docs]"
	touch $(DOCS_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

demo: $(STAMP)
	$(BIN)/aezoo quickstart

test: $(STAMP)
	$(BIN)/ruff check zoo export tests bench
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check zoo export tests bench

docs: $(DOCS_STAMP) $(NODE_STAMP)
	$(BIN)/python scripts/build_docs.py

test-browser: $(DOCS_STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q -m site tests/docs_web

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) quickstart_out .pytest_cache
