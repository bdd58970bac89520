# The two commands: `make test` and `make report`. Both build .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test lint report render-check preview install bench results clean

install: $(STAMP)

# torch is installed first and pinned, so pip takes the local CPU wheel instead of CUDA builds.
# The optional extra `cluster` (dask-jobqueue) comes too, so the tests exercise the Slurm path.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[cluster]'
	touch $@

# Lint and types first (settings in pyproject.toml): a finding names file:line and stops before pytest.
lint: $(STAMP)
	$(VENV)/bin/ruff check code tests
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -q

# The Jupyter kernels Quarto starts read the environment's IPython kernel config: it drops ipykernel's
# warning that Quarto's local kernel sockets are unencrypted (why: partials/ipython_kernel_config.py).
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.py
$(KERNEL_CONFIG): partials/ipython_kernel_config.py $(STAMP)
	mkdir -p $(dir $@)
	cp $< $@

# Quarto on PATH renders the book. Without it, the quarto-cli package from PyPI is installed into .venv
# (its build fetches the Quarto release, so it needs internet); only if that fails does `make report`
# write the nbclient preview, saying why in one line. It ends by naming the HTML book and the PDF.
QUARTO_CLI := quarto-cli==1.10.19
report: $(STAMP) $(KERNEL_CONFIG)
	@q=$$(command -v quarto || true); \
	if [ -z "$$q" ] && [ ! -x $(VENV)/bin/quarto ]; then \
		echo "quarto is not on PATH: installing $(QUARTO_CLI) from PyPI into $(VENV)"; \
		$(PY) -m pip install --disable-pip-version-check --no-deps $(QUARTO_CLI) >$(VENV)/quarto-cli.log 2>&1 || true; \
	fi; \
	if [ -z "$$q" ] && $(VENV)/bin/quarto --version >/dev/null 2>&1; then q=$(abspath $(VENV))/bin/quarto; fi; \
	if [ -n "$$q" ]; then \
		QUARTO_PYTHON=$(abspath $(PY)) "$$q" render && $(PY) code/hw7/booktools/book_file.py paths; \
	else \
		why=$$(grep -m1 -o "Error downloading Quarto.*" $(VENV)/quarto-cli.log 2>/dev/null || grep "ERROR" $(VENV)/quarto-cli.log 2>/dev/null | tail -n 1); \
		echo "no Quarto ($(QUARTO_CLI) did not install: $${why:-see $(VENV)/quarto-cli.log}); writing an nbclient preview to _preview/ instead."; \
		$(PY) -m hw7.booktools.preview; \
	fi

# Render both formats and fail on a warning outside hw7.booktools.render_check's allow-list, an unresolved
# cross-reference, a missing output, a render that dirtied the tree, a PDF over its page budget or with
# a blank page, an external URL in the HTML book or a text glitch (CI runs it when Quarto exists).
render-check: $(STAMP) $(KERNEL_CONFIG)
	PATH="$$PATH:$(abspath $(VENV))/bin" QUARTO_PYTHON=$(abspath $(PY)) $(PY) -m hw7.booktools.render_check

preview: $(STAMP)
	$(PY) -m hw7.booktools.preview

results: $(STAMP)
	$(PY) -m hw7 run --all

bench: $(STAMP)
	$(PY) benchmarks/bench_sweep.py
	$(PY) -m hw7 summary

clean:
	rm -rf _book _preview .pytest_cache .quarto .mypy_cache .ruff_cache
