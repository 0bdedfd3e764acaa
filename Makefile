# Two commands for a newcomer: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PEOPLE ?= 200000
DEMO_SEED ?= 7
HOST ?= 127.0.0.1
PORT ?= 8000

# htmx is served from our own static files, never a CDN: fetched from the npm registry at
# install time (git-ignored). Without it (no npm, offline) every page still works.
HTMX_SPEC ?= htmx.org@2.0.11
HTMX_JS := src/fangkong/web/static/vendor/htmx.min.js

.PHONY: demo test install migrate lint serve clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(HTMX_JS):
	@mkdir -p $(dir $@) .cache/npm
	@cd .cache/npm && f=$$(npm pack --silent $(HTMX_SPEC) 2>/dev/null) && tar -xzf "$$f" package/dist/htmx.min.js \
	  && cp package/dist/htmx.min.js ../../$@ && echo "htmx: $$f" || echo "htmx not fetched (npm unavailable): pages work without it"

install: $(STAMP) $(HTMX_JS)

migrate: export FANGKONG_DEMO ?= 1
migrate: install
	$(BIN)/fangkong migrate --no-input -v 0

# The demo: DEBUG off as in production, but plain http on 127.0.0.1, the demo keys and logins without TOTP.
# `fangkong up` runs the web server, the background worker and the overdue scan; Ctrl-C stops all three.
demo: export FANGKONG_DEMO = 1
demo: migrate
	$(BIN)/fangkong demo --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --if-empty
	$(BIN)/fangkong collectstatic --no-input -v 0
	$(BIN)/fangkong up --host $(HOST) --port $(PORT) --scan-every 300

serve: export FANGKONG_DEMO ?= 1
serve: install
	$(BIN)/fangkong serve --host $(HOST) --port $(PORT)

test: export FANGKONG_DEMO ?= 1
test: install
	$(BIN)/fangkong makemigrations --check --dry-run -v 0
	$(BIN)/ruff check src tests
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench

messages: export FANGKONG_DEMO ?= 1
messages: install
	cd src/fangkong && ../../$(BIN)/fangkong makemessages -l zh_Hans --no-obsolete --ignore "*/migrations/*" && ../../$(BIN)/fangkong compilemessages

clean:
	rm -rf $(VENV) fangkong.sqlite3* staticfiles var .cache src/fangkong/web/static/vendor
