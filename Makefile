# The README's two commands: `make reports` (set up + data + render) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := groningen-sociaal-domein
SEED ?= 20211115
TOOLS := .cache/tools
PYTEST_ARGS ?=

.PHONY: reports setup data synth-nl test lab bench tools clean docs

reports: data
	$(BIN)/analysis render --all

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	touch $(STAMP)

data: $(STAMP)
	$(BIN)/analysis data build
	$(BIN)/analysis data synth --seed $(SEED)

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

test: $(STAMP) tools
	@$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken"; exit 1; fi; exit $$rc

lab: $(STAMP)
	$(BIN)/pip install -q -e ".[dev,lab]"
	$(BIN)/jupyter lab --notebook-dir=notebooks

# The documentation site (MkDocs Material + mkdocstrings + executed example notebooks), offline, warnings = errors.
docs: data
	$(BIN)/mkdocs build --strict
	@echo "open site/index.html"

bench: data
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/processed/* reports/*/ reports/manifest.json reports/index.html site docs/generated
