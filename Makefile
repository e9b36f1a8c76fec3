# OneWindow — set-up, run and test on a fresh Debian machine.
#   make run    install everything, migrate, load demo data, serve http://127.0.0.1:5000
#   make test   the same installation, then the linters and the whole test suite
#   make bench-serving  the serving and log-in benchmarks (needs PostgreSQL on 127.0.0.1)
#   make lint   ruff (format check + rules in ruff.toml) and the layer contracts (.importlinter)
# A second run skips what is already installed (stamp files in .venv/ and app/static/vendor/).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
RUN_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk fonts-wqy-zenhei \
	libtesseract-dev libleptonica-dev pkg-config g++ python3-dev
# (the last five build tesserocr, which keeps libtesseract loaded in the OCR workers)
TEST_PACKAGES := chromium fonts-arphic-ukai fonts-arphic-uming fonts-wqy-microhei
TRAIN_PACKAGES := $(TEST_PACKAGES) fonts-noto-cjk-extra
BENCH_PACKAGES := wrk postgresql-client
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# One test process per core (at most 4: each drives its own Chromium); TEST_WORKERS=0 runs one.
TEST_WORKERS ?= auto

.PHONY: run test lint install system-packages test-system-packages frontend translations migrate demo train serve clean bench-serving

run: install migrate demo serve

test: install test-system-packages lint
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/lint-imports --no-cache --config .importlinter

install: system-packages $(VENV)/.installed frontend translations

system-packages:
	@scripts/ensure-system-packages.sh $(RUN_PACKAGES)

test-system-packages:
	@scripts/ensure-system-packages.sh $(TEST_PACKAGES)

bench-serving: install
	@scripts/ensure-system-packages.sh $(BENCH_PACKAGES)
	$(PY) benchmarks/serving.py
	$(PY) benchmarks/login_cost.py

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	@touch $@

MODELER_BUNDLE := app/static/vendor/onewindow-modeler

frontend: app/static/vendor/.installed $(MODELER_BUNDLE)/.built

app/static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf app/static/vendor && mkdir -p app/static/vendor/bootstrap app/static/vendor/bpmn-js
	cp -r node_modules/bootstrap/dist/css node_modules/bootstrap/dist/js app/static/vendor/bootstrap/
	cp -r node_modules/bpmn-js/dist/* app/static/vendor/bpmn-js/
	mkdir -p app/static/vendor/echarts app/static/vendor/axe-core app/static/vendor/swagger-ui
	cp node_modules/echarts/dist/echarts.min.js app/static/vendor/echarts/
	cp node_modules/axe-core/axe.min.js app/static/vendor/axe-core/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css app/static/vendor/swagger-ui/
	@touch $@

# The admin modeler: bpmn-js + properties panel + OneWindow's group, bundled from frontend/
# (rebuilt when an entry file changes, and after every fresh `npm ci` above, which empties
# app/static/vendor).
$(MODELER_BUNDLE)/.built: app/static/vendor/.installed $(wildcard frontend/*.js frontend/*.mjs frontend/*.json)
	rm -rf $(MODELER_BUNDLE) && mkdir -p $(MODELER_BUNDLE)
	node frontend/build.mjs $(MODELER_BUNDLE)
	cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css $(MODELER_BUNDLE)/
	@touch $@

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -q -d app/translations 2>/dev/null || $(VENV)/bin/pybabel compile -d app/translations

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

demo: $(VENV)/.installed
	$(FLASK) demo load

serve:
	$(FLASK) serve --host $(HOST) --port $(PORT)

train: $(VENV)/.installed
	@scripts/ensure-system-packages.sh $(TRAIN_PACKAGES)
	$(PY) -m ml train

messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --ignore-dirs ".* ._ node_modules" -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules app/static/vendor
