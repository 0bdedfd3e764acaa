# Two commands for a newcomer: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PEOPLE ?= 200000
DEMO_SEED ?= 7
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install migrate lint serve clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/fangkong migrate --no-input -v 0

demo: migrate
	$(BIN)/fangkong demo --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --if-empty
	$(BIN)/fangkong collectstatic --no-input -v 0
	$(BIN)/fangkong serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/fangkong serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/fangkong makemigrations --check --dry-run -v 0
	$(BIN)/ruff check src tests
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench

messages: install
	cd src/fangkong && ../../$(BIN)/fangkong makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/fangkong compilemessages

clean:
	rm -rf $(VENV) fangkong.sqlite3* staticfiles var
