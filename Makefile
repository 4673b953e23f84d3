# The two commands of the README's quick start: `make demo` and `make test`.
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(CURDIR)/.tools/bin:$(BIN):$(PATH)

.PHONY: demo test lint install install-test bench

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml .ci/install-tools .ci/install-test-tools
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	.ci/install-test-tools
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Validate the example repository and render its tree (a no-op when environments/ is current).
demo: $(VENV)/.installed
	berth validate
	berth render
	@echo 'berth is installed in $(VENV)/: run it as $(VENV)/bin/berth, or `. $(VENV)/bin/activate` first (then berth COMMAND; berth --help lists them)'

lint: $(VENV)/.installed-test
	ruff check generator tests bench
	ruff format --check generator tests bench
	mypy

# The share of generator/'s lines the suite must run, in percent: set from a measurement of
# the whole suite, raised as coverage grows, never lowered to let a change through.
COVERAGE_FLOOR := 95

# A temporary folder of its own: pytest's shared /tmp/pytest-of-<user> is cleaned up by
# whichever run ends last, and a second run on the same machine would trip over it.
test: $(VENV)/.installed-test lint
	pytest --basetemp="$$(mktemp -d)/pytest" --cov=generator --cov-report=term:skip-covered \
		--cov-fail-under=$(COVERAGE_FLOOR)

bench: $(VENV)/.installed
	python bench/render_bench.py
