# Two entry points for a fresh machine with only Python 3.11+ (and Node, later):
#   make demo   the platform on the synthetic demo city
#   make test   every test, lint, type check and import contract
# Both install what they need first: uv in .tools/, then the locked environment in .venv/.

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system

ASSETS := src/citycarbon/web/static/vendor
REPORT_FONTS := src/citycarbon/web/reports/fonts
NOTO_SC := node_modules/@expo-google-fonts/noto-sans-sc

.PHONY: demo test lint typecheck contracts pytest bench clean assets

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

# htmx, ECharts and Pico CSS from npm (package-lock.json), copied where Django finds them;
# Noto Sans SC (regular and bold), the CJK font of the PDF reports, where the reports find it.
$(ASSETS)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(ASSETS) $(REPORT_FONTS)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js \
	   node_modules/@picocss/pico/css/pico.min.css $(ASSETS)/
	cp $(NOTO_SC)/400Regular/NotoSansSC_400Regular.ttf $(REPORT_FONTS)/NotoSansSC-Regular.ttf
	cp $(NOTO_SC)/700Bold/NotoSansSC_700Bold.ttf $(REPORT_FONTS)/NotoSansSC-Bold.ttf
	cp $(NOTO_SC)/LICENSE_FONT $(REPORT_FONTS)/OFL.txt
	touch $@

assets: $(ASSETS)/.installed

demo: $(VENV)/.synced $(ASSETS)/.installed
	$(VENV)/bin/citycarbon demo

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy

contracts: $(VENV)/.synced
	$(VENV)/bin/lint-imports

# The whole suite on the embedded SQLite, then again on PostgreSQL when
# CITYCARBON_TEST_DATABASE_URL names a server (.ci/run sets it to the local service).
pytest: $(VENV)/.synced $(ASSETS)/.installed
	env -u CITYCARBON_TEST_DATABASE_URL $(VENV)/bin/pytest
	if [ -n "$${CITYCARBON_TEST_DATABASE_URL:-}" ]; then $(VENV)/bin/pytest -p no:cacheprovider; fi

test: lint typecheck contracts pytest

bench: $(VENV)/.synced
	$(VENV)/bin/python bench/bench_emissions.py

clean:
	rm -rf $(VENV) $(TOOLS) var node_modules $(ASSETS) $(REPORT_FONTS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
