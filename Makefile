# The two commands of the README: `make demo` (install, then crawl the bundled replica offline
# into the development MongoDB server) and `make test` (install the dev tools, then run the whole
# test suite). Both need only python3. `make mongo` starts that MongoDB server on its own.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install install-dev demo mongo crawl test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install-dev  ## crawl the bundled replica of 九龙网 into MongoDB on 127.0.0.1, twice, offline
	$(BIN)/python scripts/demo.py

mongo: install-dev  ## the development MongoDB server on 127.0.0.1:27017 (data in var/mongo-dev)
	$(BIN)/python scripts/mongo_dev_server.py $(MONGO_ARGS)

crawl: install  ## crawl the real portal
	$(BIN)/scrapy crawl jiulong

test: install-dev
	$(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install-dev
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) output var .pytest_cache .ruff_cache build dist *.egg-info
