# Every target bootstraps .venv itself, so a fresh clone needs only Python, pip and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Friday of the example's first week, 12:45: the 09:00 article is live, its announcement
# and the 12:30 posts are due.
DEMO_NOW ?= 2026-12-04T12:45:00+01:00

.PHONY: demo serve test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== edcal check (the example calendar)"
	$(BIN)/edcal check
	@echo
	@echo "== edcal plan, as of $(DEMO_NOW)"
	EDCAL_NOW=$(DEMO_NOW) $(BIN)/edcal plan --from 2026-11-30 --to 2026-12-06
	@echo
	@echo "== the site and its calendar, as of $(DEMO_NOW)"
	EDCAL_NOW=$(DEMO_NOW) NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	@echo
	@echo "Calendar:   $(CURDIR)/site/calendar/index.html"
	@echo "This month: $(CURDIR)/site/calendar/$(shell echo '$(DEMO_NOW)' | cut -c1-7)/index.html"
	@echo "(or 'make serve EDCAL_NOW=$(DEMO_NOW)' and open http://127.0.0.1:8000/calendar/)"
	@echo
	@echo "== edcal publish, as of $(DEMO_NOW), to the outbox (in .demo/, a scratch copy)"
	$(BIN)/python scripts/demo_publish.py --now $(DEMO_NOW) --feed site/feed_rss_created.xml
	@echo
	@echo "Next: open content/social/ and calendar/edcal.yml, change a date or a text,"
	@echo "and run '$(BIN)/edcal check' and '$(BIN)/edcal plan' again."
	@echo
	@echo "== the GitHub workflows, rehearsed on 127.0.0.1 over a Friday morning (scripts/rehearse.py)"
	$(BIN)/python scripts/rehearse.py

# The site at http://127.0.0.1:8000/, rebuilt on every change; EDCAL_NOW (from the
# environment or `make serve EDCAL_NOW=…`) shows it as of that moment.
serve: $(STAMP)
	$(if $(EDCAL_NOW),EDCAL_NOW=$(EDCAL_NOW) )NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy src

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python scripts/bench.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/python scripts/bench_site.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .demo site
