# Two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
UV_VERSION := 0.13.8
PYTHON ?= python3
UV := $(PYTHON) -m uv
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SYSTEM_PACKAGES := libharfbuzz-subset0 poppler-utils fonts-noto-cjk fontconfig
export UV_PYTHON_DOWNLOADS := never
export GX_ANALYTICS_ENABLED := false

.PHONY: setup system-deps python-deps demo test ui bench clean

setup: system-deps python-deps

# A CJK font (WeasyPrint draws empty boxes without one), HarfBuzz subsetting (fast font embedding)
# and poppler (pdftotext/pdffonts for the tests).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

python-deps:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --compile-bytecode
	$(UV) run python -m dagster_project.transform.project

demo: setup
	$(UV) run govwh demo

test: setup
	$(UV) run pytest

ui: setup
	$(UV) run govwh ui

# The pipeline per stage against its floor and the pandas peer: `make bench SCALE=demo MONTHS=3`.
SCALE ?= demo
MONTHS ?= 3
bench: setup
	$(UV) run python -m bench.pipeline_bench --scale $(SCALE) --months $(MONTHS)

clean:
	rm -rf var dbt/target dbt/logs .pytest_cache
