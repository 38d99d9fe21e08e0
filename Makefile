# Podium: `make run` to see the site, `make test` to check it. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run serve test lint format check migrate demo static clean help bench scaleout

help:
	@echo "make run     set up and serve the site with the demo content on http://$(HOST):$(PORT) (PORT=, HOST=; SITE_URL follows)"
	@echo "make test    set up and run the whole test suite"
	@echo "make lint    ruff check and format check"
	@echo "make format  ruff format and fix"
	@echo "make serve   the site under gunicorn with DEBUG off (local only)"
	@echo "make bench   benchmark the pages with wrk (DB=sqlite|postgres DATA=large|small ROUNDS=3 DURATION=10s CONNECTIONS=16 SMOKE=0|1 COMPARE=file GROWTH=file)"
	@echo "make scaleout  two gunicorn instances behind nginx on PostgreSQL + Redis, with assertions"

# Reinstall only when the requirements change: a second `make run` is quick.
$(BIN)/.runtime: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(BIN)/.dev: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(BIN)/.runtime

# A random SECRET_KEY, written once, for `make serve` on this machine only.
.env:
	@printf '# local only: written by `make serve`; never use this key in production\nSECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "wrote .env with a local-only SECRET_KEY"

# Canonical links, feeds, the sitemap and mails point at the server `make run` and `make
# serve` start (HOST, PORT), unless SITE_URL is set: on the command line, in the
# environment or in the env file (ENV_FILE, else .env), which then wins.
URL_HOST = $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(if $(filter ::,$(HOST)),[::1],$(if $(findstring :,$(HOST)),[$(HOST)],$(HOST))))
SITE_URL_IN_ENV_FILE := $(shell grep -qsE '^[[:space:]]*(export[[:space:]]+)?SITE_URL[[:space:]]*=' "$(or $(ENV_FILE),.env)" && echo yes)
ifeq ($(origin SITE_URL)$(SITE_URL_IN_ENV_FILE),undefined)
run serve: export SITE_URL = http://$(URL_HOST):$(PORT)
endif

run: export DEBUG = true
# The demo story dates from 2024: keep its comments open locally so the form can be tried
# (production closes comments 30 days after publication; override by setting the variable).
run: export COMMENTS_CLOSE_AFTER_DAYS ?= 0
run: $(BIN)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
# The mail sender beside the server (its mails printed here: EMAIL_URL's console default).
	$(BIN)/python manage.py send_notifications --every 15 & trap 'kill $$! 2>/dev/null' EXIT; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

serve: export DEBUG = false
serve: export HTTPS = false
serve: export SERVE_MEDIA = true
serve: $(BIN)/.runtime .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn config.wsgi -c config/gunicorn.py --bind $(HOST):$(PORT) --workers $(WORKERS)

test: $(BIN)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: export SECRET_KEY = check-only
check: $(BIN)/.dev
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmark (README, "Benchmark"): needs wrk (apt-get install wrk); DB=postgres uses
# 127.0.0.1:5432 (database podium_bench) and Redis 127.0.0.1:6379/2. COMPARE=<result.json>.
DB ?= sqlite
ROUNDS ?=
DURATION ?=
CONNECTIONS ?= 16
SMOKE ?= 0
COMPARE ?=
DATA ?=
GROWTH ?=
bench: $(BIN)/.runtime
	$(BIN)/python -m bench.run --db $(DB) --connections $(CONNECTIONS) --workers $(WORKERS) \
		$(if $(ROUNDS),--rounds $(ROUNDS)) $(if $(DURATION),--duration $(DURATION)) \
		$(if $(filter 1,$(SMOKE)),--smoke) $(if $(COMPARE),--compare $(COMPARE)) \
		$(if $(DATA),--data $(DATA)) $(if $(GROWTH),--growth $(GROWTH))

# The scale-out proof (README, "Running in production"), on the deploy/ files: needs nginx and
# openssl (apt-get install nginx openssl), PostgreSQL, Redis.
scaleout: $(BIN)/.runtime
	$(BIN)/python -m bench.scaleout

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
