# The README's two commands: `make reports` (set up + data + render) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := groningen-sociaal-domein
SEED ?= 20211115
TOOLS := .cache/tools
PYTEST_ARGS ?=

.PHONY: reports setup data synth-nl test lab bench tools katex clean docs

reports: data
	$(BIN)/analysis render --all

setup: $(STAMP)

# pip shows what it collects and downloads (a fresh install takes minutes: it should not look stuck)
$(STAMP): pyproject.toml
	@echo "==> [1/3] virtualenv in $(VENV)"
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@echo "==> [2/3] the package and its dependencies (a few minutes on a fresh clone)"
	$(BIN)/pip install --progress-bar on -e ".[dev]"
	@echo "==> [3/3] Jupyter kernel $(KERNEL)"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	touch $(STAMP)

data: $(STAMP)
	$(BIN)/analysis data build
	$(BIN)/analysis data synth --seed $(SEED)
	@touch $(DATA_STAMP)

# data/processed as a file target: rebuilt only when the raw data or the code that builds it changed (make docs)
DATA_STAMP := data/processed/built.stamp
$(DATA_STAMP): $(STAMP) $(shell find data/raw src/analysis/data -type f -not -name '*.pyc' 2>/dev/null)
	$(BIN)/analysis data build
	$(BIN)/analysis data synth --seed $(SEED)
	@touch $@

synth-nl: $(STAMP)
	$(BIN)/analysis data synth --seed $(SEED) --scale nl

# Headless Chromium + axe-core (accessibility tests) and poppler (PDF text checks). Debian packages and npm.
tools:
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils) >/dev/null \
	    || echo "warning: could not install chromium/poppler-utils; accessibility and PDF tests will skip"; }
	@test -f $(TOOLS)/node_modules/axe-core/axe.min.js || \
	  { mkdir -p $(TOOLS) && npm install --silent --prefix $(TOOLS) axe-core@4 >/dev/null \
	    || echo "warning: could not install axe-core; accessibility tests will skip"; }
	@$(MAKE) --no-print-directory katex

# KaTeX (formulas) and iframe-worker (search from file://) for the docs site, served from the site itself (no CDN:
# the site is read offline)
katex:
	@test -f $(TOOLS)/node_modules/katex/dist/katex.min.js -a -f $(TOOLS)/node_modules/iframe-worker/shim/index.js || \
	  { mkdir -p $(TOOLS) && npm install --silent --prefix $(TOOLS) katex@0.16 iframe-worker@1 >/dev/null \
	    || echo "warning: could not install katex/iframe-worker (npm); the docs site cannot be built"; }

# --progress-per-file: one line per finished test file (tests/conftest.py), so a long run shows where it is
test: $(STAMP) tools
	@$(BIN)/python -m pytest -n 2 --dist loadgroup --progress-per-file $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken"; exit 1; fi; exit $$rc

lab: $(STAMP)
	$(BIN)/pip install -q -e ".[dev,lab]"
	$(BIN)/jupyter lab --notebook-dir=notebooks

# The documentation site (MkDocs Material + mkdocstrings + executed example notebooks), offline, warnings = errors.
# Quiet on success (the build's log, kernel notices included, is shown only when it fails).
docs: $(DATA_STAMP) katex
	@echo "==> building the docs site (executes the example notebooks; 1-3 minutes)"
	@out=$$(NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict 2>&1) || { echo "$$out"; exit 1; }
	@echo "open site/index.html (works as a file: navigation, search and formulas offline)"

bench: data
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/processed/* reports/*/ reports/manifest.json reports/index.html site docs/generated
