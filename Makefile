# The two fresh-machine commands: `make demo` and `make test` (see README.md).
.PHONY: setup demo test lint

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/agent run tasks/login.yaml

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

test: lint
	@scripts/setup.sh --test
	.venv/bin/pytest -n 2
