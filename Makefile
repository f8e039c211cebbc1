# Two commands do everything on a fresh machine with Python 3.11+:
#   make sandbox   run the product offline (sandbox Bot API server, the bot, the web chat page);
#                  make sandbox PORT=8081 when port 8080 is taken
#   make test      lint, type-check, check the import boundaries and the six catalogs, and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8080

.PHONY: sandbox run test lint catalogs messages bench clean fonts emoji

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

# Digest charts draw Chinese with Debian's fonts-noto-cjk: installed here when missing and this is root with apt-get
# (as .ci/run does); otherwise the sandbox starts all the same and says what to install, and `p2c-bot run` refuses
fonts:
	@fc-list 2>/dev/null | grep -qi "noto sans cjk" || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; } \
	  || echo "make: could not install fonts-noto-cjk (it takes root and apt-get): digest charts lack Chinese" >&2

# The page's buttons carry emoji, which a browser on a bare Linux draws as empty boxes without Debian's
# fonts-noto-color-emoji: installed for the sandbox as the CJK fonts are (the page works all the same without it)
emoji:
	@fc-list 2>/dev/null | grep -qi "noto color emoji" || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-color-emoji >/dev/null; } \
	  || echo "make: could not install fonts-noto-color-emoji (it takes root and apt-get): emoji show as boxes" >&2

# make runs p2c-bot itself, no shell between: SIGTERM to make reaches it, and on Linux it stops when make ends
# (bot/sandbox_runner.py stop_with_make), so that a make stopped by a task runner leaves no sandbox behind
sandbox: $(STAMP) fonts emoji
	$(BIN)/p2c-bot sandbox --port $(PORT)

run: $(STAMP) fonts
	$(BIN)/p2c-bot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

catalogs: $(STAMP)
	$(BIN)/python -m bot.catalogs check

messages: $(STAMP)
	$(BIN)/python -m bot.catalogs update

test: lint catalogs fonts
	scripts/with-postgres.sh $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/sandbox_echo.py --updates 2000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
