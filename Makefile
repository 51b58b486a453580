# iki-pipeline: raw/ -> interim/ -> curated/.  Override folders: make all RAW=dir CURATED=dir
# make all: publishes everything that passed validation; iki exits 1 (make then fails) when a decree
# or position was withheld or a file failed (reports/failures.csv). make all STRICT=1: the CI gate,
# any withheld unit or warning fails the run and curated/ stays exactly as it was.
PY      ?= .venv/bin/python
IKI     ?= .venv/bin/iki
RAW     ?= raw
INTERIM ?= interim
CURATED ?= curated
REPORTS ?= reports
WORKERS ?= 0
STRICT  ?= 0
STRICT_FLAG := $(if $(filter 1 yes true,$(STRICT)),--strict,)
REALISASI ?= realisasi
READER  ?= pdfium
EXECUTOR ?= local
SCHEDULER ?=
LAYOUT  ?= files
N       ?= 1000
BENCH_N ?= 12
PROFILE ?=
DIRS    := --raw $(RAW) --interim $(INTERIM) --curated $(CURATED) --reports $(REPORTS)

.PHONY: all parse validate template score bench crosscheck docs notebook report setup test fuzz clean

all:
	$(IKI) all $(DIRS) --realisasi $(REALISASI) --workers $(WORKERS) --reader $(READER) \
	  --executor $(EXECUTOR) $(if $(SCHEDULER),--scheduler $(SCHEDULER),) --layout $(LAYOUT) $(STRICT_FLAG)

parse:
	$(IKI) parse --raw $(RAW) --interim $(INTERIM) --reports $(REPORTS) --workers $(WORKERS) --reader $(READER) $(STRICT_FLAG)

validate:
	$(IKI) validate --curated $(CURATED) --reports $(REPORTS) $(STRICT_FLAG)

template:
	$(IKI) template --curated $(CURATED) --out $(REALISASI)

score:
	$(IKI) score $(DIRS) --realisasi $(REALISASI) $(STRICT_FLAG)

# the reader table on BENCH_N rendered decrees + the sample; the cost curve on 10, 100, 1000 ... up to N decrees
# (copies of rendered ones) and EXECUTOR=dask at N; PROFILE=1: pyinstrument profile of the parse path in $(REPORTS)/
bench:
	$(PY) -m benchmarks.bench --n $(BENCH_N) --curve-to $(N) --out $(REPORTS)/bench.json \
	  $(if $(filter 1 yes true pyinstrument,$(PROFILE)),--profile pyinstrument,$(if $(filter cprofile,$(PROFILE)),--profile cprofile,))

crosscheck:
	$(PY) -m pipeline.tools.crosscheck --raw $(RAW)

notebook:
	IKI_CURATED=$(abspath $(CURATED)) .venv/bin/jupyter lab notebooks/explore.ipynb

report:
	@echo "open file://$(abspath $(REPORTS))/index.html"; (xdg-open $(REPORTS)/index.html >/dev/null 2>&1 &) || true

docs:
	$(PY) -m pipeline.tools.dictionary
	$(PY) -m pipeline.stages.validate --write-suites

setup: .venv/.installed

.venv/.installed: pyproject.toml setup.py pipeline/readers/_chars.c pipeline/parse/_geometry.c
	python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -e ".[test,dask,notebook]"
	touch $@

test:
	$(PY) -m pytest -q

# seeded mutation fuzzing beside good decrees (issue 21); the test suite runs 36 files
FUZZ_FILES ?= 1000
fuzz:
	$(PY) -m tests.test_fuzz --files $(FUZZ_FILES) --batch 50

clean:
	rm -rf $(INTERIM) $(REPORTS) $(CURATED) .$(CURATED)-versions
