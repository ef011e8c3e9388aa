# ufuncforge -- developer entry points.  `make` alone prints this help.
#
# test, demo and bench-compile first run `deps` (tools/install-deps.sh),
# which installs missing Debian packages as root and keeps .venv current;
# it is cheap when nothing is missing.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
CLANG_FORMAT ?= clang-format
FORMAT_DIRS := src tests tools bench
FORMAT_FILES = $(shell find $(FORMAT_DIRS) -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) 2>/dev/null | sort)

# Prerequisites run in the order written (deps, then build, ...).
.NOTPARALLEL:
.DEFAULT_GOAL := help
.PHONY: help deps build test test-c test-python demo bench-compile \
	format format-check clean

help:
	@echo "ufuncforge make targets:"
	@echo "  make demo           compile the seed kernels and run them on 5e6 elements"
	@echo "  make test           C tests (ctest), Python tests, then format-check"
	@echo "  make bench-compile  compile latency per signature (goal < 10 ms)"
	@echo "  make build          configure (once) and build into $(BUILD_DIR)/"
	@echo "  make deps           install missing Debian packages and .venv"
	@echo "  make format         clang-format -i over src tests tools bench"
	@echo "  make format-check   fail if any file is not clang-formatted"
	@echo "  make clean          remove $(BUILD_DIR)/"

deps:
	@bash tools/install-deps.sh

# Configures only when build/ has no generated build system yet (a failed
# configure leaves CMakeCache.txt without one); later CMakeLists.txt edits
# are picked up by `cmake --build` itself.
build:
	@if [ ! -f $(BUILD_DIR)/Makefile ] && [ ! -f $(BUILD_DIR)/build.ninja ]; then \
		cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE); \
	fi
	cmake --build $(BUILD_DIR) -j$$(nproc)

test: deps build test-c test-python format-check

test-c:
	ctest --test-dir $(BUILD_DIR) --output-on-failure

# Python tests: pytest over tests/python goes here once the pyext package
# builds (a later issue).  Note pytest exits 5 when it collects no test.
test-python:
	@echo "test-python: no Python package yet (pyext/ comes in a later issue)"

demo: deps build
	./$(BUILD_DIR)/ufdemo

bench-compile: deps build
	./$(BUILD_DIR)/bench_compile

format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check:
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files clean"

clean:
	rm -rf $(BUILD_DIR)
