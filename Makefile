# iki-pipeline: raw/ -> interim/ -> curated/.  Override folders: make all RAW=dir CURATED=dir
PY      ?= .venv/bin/python
IKI     ?= .venv/bin/iki
RAW     ?= raw
INTERIM ?= interim
CURATED ?= curated
REPORTS ?= reports
WORKERS ?= 0
STRICT  ?= 0
STRICT_FLAG := $(if $(filter 1 yes true,$(STRICT)),--strict,)
DIRS    := --raw $(RAW) --interim $(INTERIM) --curated $(CURATED) --reports $(REPORTS)

.PHONY: all setup test clean

all:
	$(IKI) all $(DIRS) --workers $(WORKERS) $(STRICT_FLAG)

setup: .venv/.installed

.venv/.installed: pyproject.toml
	python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -e ".[test,dask]"
	touch $@

test:
	$(PY) -m pytest -q

clean:
	rm -rf $(INTERIM) $(REPORTS) $(CURATED) .$(CURATED)-versions
