# make demo / make test / make lint: each sets up .venv first when needed, from the lock.
# requirements/dev.lock pins every package the tests import (exact versions, made by
# `make lock`), so a fresh clone tests what CI tested. pyproject.toml keeps the ranges
# that library users install; `make test-latest` runs the same tests on the newest
# releases those ranges allow, in .venv-latest.
# The install step reruns only when pyproject.toml or the lock is newer than the stamp.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/dev.lock
LATEST := .venv-latest

.PHONY: demo test test-latest lint lock docs venv clean

demo: $(STAMP)
	$(BIN)/gradcheck-lab run cases/

# every test, slow ones included, on two workers; plain `pytest -q` skips the slow ones
test: $(STAMP)
	$(BIN)/python -m pytest -q -m "slow or not slow" -n 2

lint: $(STAMP)
	$(BIN)/ruff check gradcheck_lab tests benchmarks
	$(BIN)/mypy gradcheck_lab

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the lock includes setuptools, so the editable install builds without fetching anything new;
# torch is the CPU build (2.13.0+cpu), found by pip on this project's machines
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install -q -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# newest releases the ranges allow: run it to learn early what an upstream release breaks
test-latest:
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -q --upgrade --upgrade-strategy eager -e '.[all,dev]'
	$(LATEST)/bin/python -m pip list --format=freeze > $(LATEST)/versions.txt
	$(LATEST)/bin/python -m pytest -q -p no:cacheprovider -m "slow or not slow" -n 2

# regenerate what is generated from the code: the README's op table (OpSpec rows) and
# the shipped JSON Schema (field lists, method names, reserved input names)
docs: $(STAMP)
	$(BIN)/python -m gradcheck_lab.expr.doc README.md
	$(BIN)/gradcheck-lab schema -o schema/case.schema.json

# regenerate the lock from pyproject.toml's ranges (then run make test and commit both)
lock: $(STAMP)
	$(BIN)/pip-compile -q --extra all --extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) $(LATEST) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
