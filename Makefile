# Everything a fresh machine with Python 3.11 and make needs: uv is installed into
# .tools/ when it is not on the PATH, then the locked environment into .venv/.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
# Trust the platform's certificate store, as pip and git do: behind a TLS-inspecting
# proxy that is the only store that knows the proxy's authority.
export UV_SYSTEM_CERTS ?= 1
SRC := src tests

.PHONY: demo test lint typecheck pytest setup clean

demo: setup
	$(PY) -m vigil demo

test: setup lint typecheck pytest

setup: .venv/.synced

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check 'uv>=0.13'

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

lint: setup
	.venv/bin/ruff format --check $(SRC)
	.venv/bin/ruff check $(SRC)

typecheck: setup
	.venv/bin/mypy --strict src

pytest: setup
	.venv/bin/pytest -q

clean:
	rm -rf .venv .tools var .mypy_cache .ruff_cache .pytest_cache
