# The README's two commands are `make demo` and `make test`; everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help demo demo-strapi test setup lint unit infra bench lambda-local gen-data clean

help:
	@echo "make demo   - run the job end to end on the shipped sample against a local Strapi-compatible server"
	@echo "make demo-strapi - the same demo against a real Strapi 5 (installs the pinned test app once, ~4 min)"
	@echo "make test   - every check CI runs: format, lints, all tests (real Strapi 5 included)"
	@echo "make bench  - benchmarks (release build): memory flatness and more; prints figures"
	@echo "make lambda-local - the Lambda under cargo lambda watch + invoke, with moto's S3 and the local API"

demo:
	@scripts/demo.sh

demo-strapi:
	@scripts/demo.sh --strapi

test: setup lint unit infra

setup:
	@scripts/setup.sh

infra:
	scripts/check-infra.sh
	node --test infra/strapi-plugin/test/
	scripts/test-memory-sweep

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

unit:
	cargo test --workspace

bench:
	@scripts/bench.sh

lambda-local:
	@scripts/lambda-local.sh

clean:
	cargo clean
	rm -rf out reports .strapi
