# The project's front door. `make demo` and `make test` work on a fresh Debian 12 machine.
.PHONY: deps demo test bench fuzz release dev format format-check clean

JOBS ?= $(shell nproc)
AIOTOPS := build/release/apps/aiotops/aiotops

deps:
	scripts/deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

# Simulate a fleet with faults, train, evaluate on a held-out fault episode, print a report.
demo: release
	scripts/demo.sh $(AIOTOPS)

# Every test, in the sanitizer build, plus the formatting check.
test: dev format-check
	ctest --preset dev -j $(JOBS)

bench: release
	bench/run.sh $(AIOTOPS)

# libFuzzer targets (clang-16, ASan + UBSan); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz --target fuzz_targets -j $(JOBS)
	fuzz/run.sh build/fuzz/fuzz $(FUZZ_SECONDS)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.cc' '*.h' | xargs -r clang-format --dry-run -Werror

clean:
	rm -rf build
