# Timekeeper: every entry point. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help bootstrap test lint fmt up down logs swarm-up swarm-down swarm-roll seed dev e2e contracts contracts-breaking landed bench traefik clean

help: ## Show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## Install everything the project needs: Postgres binaries, .venv, Traefik (idempotent)
	@scripts/bootstrap.sh

test: ## Bootstrap if needed, then ruff and every test suite (the CI command)
	@scripts/test.sh

lint: bootstrap ## Ruff lint and format check
	ruff check .
	ruff format --check .

fmt: bootstrap ## Apply ruff fixes and formatting
	ruff check --fix .
	ruff format .

traefik: ## Build (or reuse) the pinned Traefik binary and print its path
	@scripts/build-traefik.sh

up: ## Docker: build and start the stack, wait until healthy, print the URLs
	@scripts/compose-up.sh

down: ## Docker: stop the stack (ARGS=--volumes also deletes the database)
	@scripts/compose-down.sh $(ARGS)

logs: ## Docker: follow the stack's logs (ARGS=<service> for one)
	@scripts/compose-logs.sh $(ARGS)

swarm-up: ## Docker Swarm: a single-node swarm if none, build, deploy 2 replicas each, wait until healthy, print the URLs
	@scripts/swarm-up.sh

swarm-down: ## Docker Swarm: remove the stack (keeps data and secrets; ARGS=--volumes removes everything)
	@scripts/swarm-down.sh $(ARGS)

swarm-roll: ## Docker Swarm: rebuild one service and roll it out with nothing dropped (SERVICE=hours)
	@scripts/swarm-roll.sh $(SERVICE)

dev: bootstrap ## No Docker: run the whole stack as local processes in the foreground (GATEWAY_PORT=8080)
	GATEWAY_PORT=$${GATEWAY_PORT:-8080} $(PY) -m timekeeper_dev.stack

seed: ## Create a demo user and a week of entries (against `make up` or `make dev`; rerunning is harmless)
	GATEWAY_PORT=$${GATEWAY_PORT:-8080} $(PY) -m timekeeper_dev.seed

e2e: bootstrap ## Whole-stack tests through the gateway (E2E_DRIVER=compose|local|swarm; default compose if Docker answers)
	cd e2e && ../$(PY) -m pytest $(PYTEST_ARGS)

contracts: bootstrap ## Regenerate contracts/*.openapi.json from the code (commit the result)
	@scripts/contracts.sh

contracts-breaking: bootstrap ## Fail on breaking API changes (oasdiff) against BASE (default: the last landed commit, .ci/landed)
	@scripts/contracts-breaking.sh $(BASE)

landed: bootstrap ## On main, once CI passed: record HEAD as the last landed commit (commits .ci/landed)
	@scripts/landed.sh

bench: bootstrap ## Load-test the endpoints, token validation, logins and table growth; writes bench/RESULTS.md
	@scripts/bench.sh $(ARGS)

clean: ## Remove the virtualenv and caches (the Traefik build cache stays)
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
