# Two commands do everything on a fresh machine with Python 3.11+:
#   make sandbox   run the product offline (sandbox Bot API server, the bot, the web chat page);
#                  make sandbox PORT=8081 when port 8080 is taken
#   make test      lint, type-check, check the import boundaries and the six catalogs, and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8080

.PHONY: sandbox run test lint catalogs messages bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

sandbox: $(STAMP)
	$(BIN)/p2c-bot sandbox --port $(PORT)

run: $(STAMP)
	$(BIN)/p2c-bot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

catalogs: $(STAMP)
	$(BIN)/python -m bot.catalogs check

messages: $(STAMP)
	$(BIN)/python -m bot.catalogs update

test: lint catalogs
	scripts/with-postgres.sh $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/sandbox_echo.py --updates 2000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
