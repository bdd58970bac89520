# The two commands: `make test` and `make report`. Both build .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test lint report render-check preview install bench results clean

install: $(STAMP)

# torch is installed first and pinned, so pip takes the local CPU wheel instead of CUDA builds.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

# Lint and types first (settings in pyproject.toml): a finding names file:line and stops before pytest.
lint: $(STAMP)
	$(VENV)/bin/ruff check code tests
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -q

report: $(STAMP)
	@if command -v quarto >/dev/null 2>&1; then \
		QUARTO_PYTHON=$(abspath $(PY)) quarto render; \
	else \
		echo "quarto is not installed (get it from https://quarto.org/docs/get-started/); writing an nbclient preview to _preview/ instead."; \
		$(PY) -m hw7.report.preview; \
	fi

# Render both formats and fail on a warning outside hw7.report.render_check's allow-list, an unresolved
# cross-reference, a missing output or a render that dirtied the tree (CI runs it when Quarto exists).
render-check: $(STAMP)
	QUARTO_PYTHON=$(abspath $(PY)) $(PY) -m hw7.report.render_check

preview: $(STAMP)
	$(PY) -m hw7.report.preview

results: $(STAMP)
	$(PY) -m hw7 run --all

bench: $(STAMP)
	$(PY) benchmarks/bench_sweep.py
	$(PY) -m hw7 summary

clean:
	rm -rf _book _preview .pytest_cache .quarto .mypy_cache .ruff_cache
