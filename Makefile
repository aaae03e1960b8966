# The two commands of the README: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml setup.py $(wildcard ext/*.pyx ext/*.pxd)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=77" wheel "Cython==3.3.1"
	$(PY) -m pip install --quiet --no-build-isolation -e ".[dev]"
	$(PY) -c "import iso20022; assert iso20022.IMPLEMENTATION == 'compiled', iso20022.FALLBACK_REASON"
	touch $(STAMP)

install: $(STAMP)

# The main job on embedded defaults: generate a demo partner drop (several partners,
# pain.001 and pacs.008, the example drop's bad files) into $(DEMO)/drop and run the
# file-drop service over it once, two instances (one per core) sharing the drop:
# reports, archive/rejected, ledger and file outbox; then reconcile demo bank
# statements of what settled against the ledger.
run: $(STAMP)
	$(VENV)/bin/iso20022 --version
	rm -rf $(DEMO)
	$(PY) -m iso20022.dropbox.demo $(DEMO)/drop
	cp examples/drop/bad-* examples/drop/statement-* $(DEMO)/drop/inbox/
	$(VENV)/bin/iso20022 process $(DEMO)/drop --workers 2 --min-age 0 2>$(DEMO)/service.log \
		|| test $$? -le 1
	$(VENV)/bin/iso20022 status $(DEMO)/drop
	$(PY) -m iso20022.reconcile.demo $(DEMO)/drop/data/ledger.sqlite $(DEMO)/statements
	$(VENV)/bin/iso20022 reconcile $(DEMO)/statements --ledger $(DEMO)/drop/data/ledger.sqlite \
		--output $(DEMO)/reconciliation || test $$? -le 1
	@echo "reports in $(DEMO)/drop/reports/, inputs in $(DEMO)/drop/archive/ and rejected/,"
	@echo "outbound files in $(DEMO)/drop/data/outbox/, ledger $(DEMO)/drop/data/ledger.sqlite,"
	@echo "one JSON log line per file in $(DEMO)/service.log (RJCT lines above are the drop's"
	@echo "deliberately bad files and a duplicate; exit status 1 means something was rejected);"
	@echo "bank statements of what settled in $(DEMO)/statements/ reconciled against the ledger:"
	@echo "the one missing entry, amount break, charges and return are the demo's own, and the"
	@echo "report is in $(DEMO)/reconciliation/"

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check iso20022 tests benchmarks
	$(VENV)/bin/mypy

# Every benchmark of the project (the huge cases too: about an hour on two cores), then
# one table: rate, MB/s, peak RSS and the ratio to the best peer of each group.
bench: $(STAMP)
	mkdir -p .benchmarks
	$(PY) -m pytest benchmarks -q -p no:cacheprovider --benchmark-quiet \
		--benchmark-json=.benchmarks/bench.json

clean:
	rm -rf $(VENV) build *.egg-info iso20022/_speedups/*.so ext/*.c
