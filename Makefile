# weixinkit: the two commands a newcomer needs are `make demo` and `make test`.
.PHONY: demo test dist bench fuzz header soak

## A third-party platform's whole authorization lifecycle, then a WeCom suite's install lifecycle, against the local server.
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

## Soak: worker processes × threads through the token engine under faults, revocations, a
## kill -9 of a refresh-lock holder and a redis-server restart; prints the figures, fails when
## a credential is lost or a refresh is duplicated. SOAK_ARGS e.g. "--small" or "--seconds 300".
soak:
	bash scripts/soak.sh $(SOAK_ARGS)

## Fuzz decrypt and parse (cargo-fuzz, nightly); SECONDS per target.
fuzz:
	bash scripts/fuzz.sh $(or $(SECONDS),60)

## Regenerate the PHP header after changing the C ABI (the Rust suite fails when it drifts).
header:
	WEIXINKIT_BLESS=1 cargo test --test integration php_header
