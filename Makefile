# make demo / make test / make lint: each sets up .venv first when needed.
# The install step reruns only when pyproject.toml is newer than .venv/.installed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean

demo: $(STAMP)
	$(BIN)/gradcheck-lab run cases/

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check gradcheck_lab tests benchmarks
	$(BIN)/mypy gradcheck_lab

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is pinned (<=2.13.0) in the extras so pip takes the CPU wheel found locally
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[all,dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
