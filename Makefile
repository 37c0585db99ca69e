# One command to set up and run the product, one to set up and pass the tests.
#   make run    venv + install + model + index of corpus/ + web UI on http://127.0.0.1:8000
#   make test   venv + install + test tools (Chromium, fonts, nginx, axe-core) + the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run index serve test test-setup lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	# the CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed  ## install the product and provision the embedding model
	$(BIN)/budget-search provision

index: setup  ## build (or refresh) the index of corpus/
	$(BIN)/budget-search index

run: index  ## set up, index the bundled corpus and serve the web UI
	$(BIN)/budget-search serve --host $(HOST) --port $(PORT)

serve:
	$(BIN)/budget-search serve --host $(HOST) --port $(PORT)

test-setup: $(VENV)/.installed  ## what the tests need beyond Python: Chromium, fonts, nginx, Tesseract, axe-core
	@command -v chromium >/dev/null && [ -d /usr/share/fonts/truetype/dejavu ] \
		&& [ -x /usr/sbin/nginx ] && tesseract --list-langs 2>/dev/null | grep -qx dan || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium fonts-dejavu-core nginx \
			tesseract-ocr tesseract-ocr-dan >/dev/null; }
	@[ -f node_modules/axe-core/axe.min.js ] || npm install --silent --no-audit --no-fund
	$(BIN)/budget-search provision

test: test-setup  ## set up and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup  ## latency, build time and memory figures (see BENCHMARKS.md)
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache test-artifacts
