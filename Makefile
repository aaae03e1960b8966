# The two commands of the README: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml setup.py $(wildcard ext/*.pyx ext/*.pxd)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=68" wheel "Cython==3.3.1"
	$(PY) -m pip install --quiet --no-build-isolation -e ".[dev]"
	$(PY) -c "import iso20022; assert iso20022.IMPLEMENTATION == 'compiled', iso20022.FALLBACK_REASON"
	touch $(STAMP)

install: $(STAMP)

# The main job on embedded defaults: parse the bundled example file drop.
run: $(STAMP)
	$(VENV)/bin/iso20022 --version
	$(VENV)/bin/iso20022 summary examples/drop || test $$? -eq 2
	@echo "(files marked REJECTED above are the drop's deliberately bad examples)"

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check iso20022 tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m pytest benchmarks -q

clean:
	rm -rf $(VENV) build *.egg-info iso20022/_speedups/*.so ext/*.c
