# Fupin: the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo

.PHONY: run test test-sqlite test-postgres openapi contract bench faults lint docker

## Build and serve on http://127.0.0.1:8080 with the embedded SQLite database (data/fupin.db);
## a new database gets the demo district.
run:
	$(CARGO) run --bin fupin -- --demo serve

## Every test on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
test: test-sqlite test-postgres

test-sqlite:
	FUPIN_TEST_BACKEND=sqlite $(CARGO) test --workspace

test-postgres:
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL suite on $$TEST_DATABASE_URL"; \
		FUPIN_TEST_BACKEND=postgres $(CARGO) test -p fupin-tests; \
	else \
		echo "TEST_DATABASE_URL is not set: the PostgreSQL run of the suite is skipped (.ci/run sets it)"; \
	fi

## Regenerate the committed contract.
openapi:
	$(CARGO) run --bin fupin -- openapi --output openapi/openapi.json

## The contract as integrators meet it: Spectral and Redocly lint the committed document, a
## generated Python client is used end to end, schemathesis fuzzes every operation (contract/run.sh).
contract:
	bash contract/run.sh

## Database faults under load (root; its own PostgreSQL cluster on 5499, a small tmpfs):
## answers seen and recovery time per fault. See faults/run.py.
faults:
	python3 faults/run.py

## Load benchmark (needs wrk and pgbench; see bench/README.md). BACKEND=sqlite|postgres|both
bench:
	bash bench/run.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@if $(CARGO) tree -p fupin-domain --edges normal | grep -E 'diesel|actix'; then \
		echo "the domain crate must not depend on diesel or actix"; exit 1; fi
	@if $(CARGO) tree -p fupin-app --edges normal | grep -E 'actix'; then \
		echo "the app crate (units of work) must not depend on actix"; exit 1; fi

docker:
	docker build -t fupin:latest .
