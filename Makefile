# The README's two commands are `make demo` and `make test`; everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help demo test setup lint unit infra bench lambda-local gen-data clean

help:
	@echo "make demo   - run the job end to end on the shipped sample against a local Strapi-compatible server"
	@echo "make test   - every check CI runs: format, lints, all tests"
	@echo "make bench  - benchmarks (release build): memory flatness and more; prints figures"
	@echo "make lambda-local - the Lambda under cargo lambda watch + invoke, with moto's S3 and the local API"

demo:
	@scripts/demo.sh

test: setup lint unit infra

setup:
	@scripts/setup.sh

infra:
	scripts/check-infra.sh
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
	rm -rf out reports
