# Prunebook: the README's two commands are `make demo` and `make test`.
SWIFT ?= swift
RELEASE = -c release
TESTFLAGS = -c release -Xswiftc -enable-testing

.PHONY: setup build demo test bench clean

setup:
	@scripts/setup

build: setup
	$(SWIFT) build $(RELEASE) --product prunebook

demo: build
	$(SWIFT) run $(RELEASE) prunebook run Notebooks/quickstart.prune

test: setup
	$(SWIFT) test $(TESTFLAGS)

bench: build
	$(SWIFT) run $(RELEASE) prunebook bench

clean:
	rm -rf .build
