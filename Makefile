# weixinkit: the two commands a newcomer needs are `make demo` and `make test`.
.PHONY: demo test dist bench fuzz header

## A third-party platform's whole authorization lifecycle against the local WeChat server.
demo:
	cargo run --quiet --example demo

## Every test suite (Rust, PHP, Kotlin, Python), installing what each needs.
test:
	bash scripts/test.sh

## Release packages into dist/, installable without Rust: wheel + sdist, jar + sources + POM,
## Composer package + PHP extension, SHA256SUMS (see scripts/dist.sh).
dist:
	bash scripts/dist.sh

## Benchmarks: criterion (Rust) plus the Python and PHP binding scripts, release builds.
bench:
	bash scripts/bench.sh

## Fuzz decrypt and parse (cargo-fuzz, nightly); SECONDS per target.
fuzz:
	bash scripts/fuzz.sh $(or $(SECONDS),60)

## Regenerate the PHP header after changing the C ABI (the Rust suite fails when it drifts).
header:
	WEIXINKIT_BLESS=1 cargo test --test integration php_header
