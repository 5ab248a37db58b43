# 巾帼通 (Jinguo). `make run` and `make test` are all a fresh machine needs (python3, node, make).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
VENDOR  := jinguo/web/static/vendor
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: run test test-browser install assets migrate demo lint check bench clean

run: install assets migrate demo
	@DEBUG=1 $(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install assets
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test-browser: install assets
	$(BIN)/python -m pytest tests_browser -p no:xdist

# --- plumbing -----------------------------------------------------------
install: $(VENV)/.stamp-install

$(VENV)/.stamp-install: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	touch $@

assets: $(VENDOR)/.stamp

$(VENDOR)/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $@

migrate: install
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py seed_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

bench: install
	$(BIN)/python bench/tree_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles
