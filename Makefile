# keras-workshop: every command sets itself up (virtual environment, pinned packages, Jupyter kernel).
#   make run    - the main job: run every notebook headless (profile: workshop) and write a report
#   make test   - unit tests plus every notebook under nbval (profile: smoke)
#   make lab    - open JupyterLab on notebooks/ with the course kernel
#   make site   - the course as a static site from the latest `make run` (artifacts/site/index.html)
# Settings you may pass: WORKSHOP_PROFILE=smoke|workshop|full, WORKSHOP_DATA_MIRROR=/path/to/mirror,
# KERAS_BACKEND=tensorflow|jax|torch, NOTEBOOKS="02 03" (run only these), TESTS="notebooks solutions" (test only these).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: run test test-jax test-torch test-backend lab progress fetch-data mirror refresh-notebooks lint lint-fix bench site system-deps setup clean

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (keras-workshop)" >/dev/null
	@rm -f $(VENV)/.installed-*
	@touch $@

# plot_model needs graphviz's `dot` program; install it where we may, otherwise say how.
system-deps:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq graphviz >/dev/null) || echo "warning: could not install graphviz"; \
	  else \
	    echo "note: graphviz is missing, so plot_model cannot draw. Install it: sudo apt-get install graphviz"; \
	  fi; }

run: setup
	WORKSHOP_PROFILE=$${WORKSHOP_PROFILE:-workshop} $(PY) tools/runner.py $(NOTEBOOKS)

# The tests run on one pytest-xdist worker per CPU core (PYTEST_WORKERS=0: one process); each file's
# tests, a notebook's cells among them, stay on one worker (--dist loadfile, see conftest.py).
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile
test: setup
	WORKSHOP_PROFILE=smoke $(PY) -m pytest $(PYTEST_PARALLEL) $(TESTS)

# Every notebook and worked solution under JAX or PyTorch with no TensorFlow installed, each backend in its own side
# environment (.venv-jax, .venv-torch), smoke profile. Notebooks about TensorFlow-only features
# (workshop_utils/course/backends.py, TENSORFLOW_ONLY) are skipped with their reason.
BACKEND_PACKAGE_jax := jax[cpu]==0.10.2
BACKEND_PACKAGE_torch := torch==2.13.0
test-jax:
	$(MAKE) test-backend BACKEND=jax
test-torch:
	$(MAKE) test-backend BACKEND=torch
test-backend:
	@test -x .venv-$(BACKEND)/bin/python || $(PYTHON) -m venv .venv-$(BACKEND)
	.venv-$(BACKEND)/bin/python -m pip install --quiet -c constraints.txt "$(BACKEND_PACKAGE_$(BACKEND))" keras \
	  keras-tuner six numpy pandas matplotlib scikit-learn pydot h5py ipykernel nbclient nbconvert nbformat nbval pytest \
	  pytest-xdist
	.venv-$(BACKEND)/bin/python -m pip install --quiet --no-deps -e .
	.venv-$(BACKEND)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	KERAS_BACKEND=$(BACKEND) WORKSHOP_PROFILE=smoke .venv-$(BACKEND)/bin/python -m pytest -rs $(PYTEST_PARALLEL) $(or $(TESTS),notebooks solutions)

# Learners work on their own copies in my_notebooks/ (git-ignored): the course copies in notebooks/ stay
# clean for `make test`, and a `git pull` never collides with a learner's edits. tools/lab.py copies them,
# and starts JupyterLab with the token on (as root it adds --allow-root and says so). LAB_ARGS passes more,
# e.g. make lab LAB_ARGS="--no-browser --port 8890" (python tools/lab.py --help lists them).
lab: setup
	@$(PY) tools/lab.py $(LAB_ARGS)

# Each exercise's last verdict in saved notebooks: a learner's my_notebooks/, or DIR=<folder> (a folder of
# learners' folders gives a table each and a summary; SUMMARY=1 prints the summary only).
progress: setup
	@$(PY) tools/progress.py $(or $(DIR),my_notebooks) $(if $(SUMMARY),--summary)

fetch-data: setup
	$(PY) -m workshop_utils.datasets

# Write a classroom mirror: make mirror DIR=/path/to/usb-stick
mirror: setup
	$(PY) -m workshop_utils.datasets --mirror $(DIR)

# Re-store notebooks after changing them (all, or NB="02 05").
refresh-notebooks: setup
	$(PY) tools/nbtool.py refresh $(if $(NB),$(foreach n,$(NB),notebooks/$(n)_*.ipynb),notebooks/*.ipynb)

# Notebook lint (tools/nblint.py): `make lint` checks notebooks/ and solutions/ (title, header, recap, exercises,
# TODOs, removed APIs, paths, stored form, launch links); `make lint-fix` fixes what it can: the stored form, run
# times from the last workshop run report (artifacts/runs/latest), launch links and notebook 00's Colab install
# cell. `make lint LIST=1` lists the rules; SKIP=id1,id2 leaves rules out (lint and lint-fix).
# Both also run ruff (lint and format, settings in pyproject.toml) over the code, notebooks included.
lint: setup
	$(PY) tools/nblint.py check $(if $(LIST),--list) $(if $(SKIP),--skip $(SKIP))
	$(if $(LIST),,$(VENV)/bin/ruff check --quiet . && $(VENV)/bin/ruff format --check --quiet .)

lint-fix: setup
	$(VENV)/bin/ruff format --quiet . && $(VENV)/bin/ruff check --quiet --fix .
	$(PY) tools/nblint.py fix $(if $(SKIP),--skip $(SKIP))

bench: setup
	$(PY) benchmarks/run_benchmarks.py

# The course as a static site (tools/build_site.py): the executed notebooks and report of the latest
# `make run`, or of RUN=artifacts/runs/<time>-<profile>, written to artifacts/site/ (open index.html).
site: setup
	$(PY) tools/build_site.py $(if $(RUN),--run $(RUN))

clean:
	rm -rf artifacts
