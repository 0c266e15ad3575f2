# Prunebook: the README's two commands are `make demo` and `make test`.
SWIFT ?= swift
RELEASE = -c release
TESTFLAGS = -c release -Xswiftc -enable-testing

.PHONY: setup peers check-imports build demo test check-slow tsan asan fuzz bench clean

# System packages (Debian) the build and the tests need.
setup:
	@scripts/setup

# The Python test peers' venv (nbformat for the notebook validator); fails loudly.
peers:
	@scripts/peers >/dev/null

# Declared dependencies equal imports, for every target (tests included).
check-imports:
	@scripts/check-imports --self-test
	@scripts/check-imports

build: setup
	$(SWIFT) build $(RELEASE) --product prunebook

demo: build
	$(SWIFT) run $(RELEASE) prunebook run Notebooks/quickstart.prune

# The test process gets the OpenBLAS kernel the program itself would run with (see BLASKernel).
test: setup
	@scripts/check-imports --self-test
	@scripts/check-imports
	$(SWIFT) build $(TESTFLAGS) --build-tests
	peers="$$(scripts/peers)" && core="$$(.build/release/prunebook bench --blas-core-type)" && \
	  env $${core:+OPENBLAS_CORETYPE=$$core} PRUNEBOOK_NB_PYTHON="$$peers" $(SWIFT) test $(TESTFLAGS) --skip-build

# Slow checks, before an issue is resolved: the suite, the ThreadSanitizer and AddressSanitizer
# subsets, a minute of fuzzing per harness (FUZZ_SECONDS), 50 random SIGKILLs of a run (the suite
# does 4), then every notebook replayed at its checked-in setting into the same bytes.
check-slow: test tsan asan fuzz
	core="$$(.build/release/prunebook bench --blas-core-type)" && \
	  env $${core:+OPENBLAS_CORETYPE=$$core} PRUNEBOOK_KILL_ROUNDS=50 $(SWIFT) test $(TESTFLAGS) --skip-build --filter FaultTests
	scripts/check-notebooks

# ThreadSanitizer (its own build folder) over the engine's parallel loops, BLAS calls and shared
# pools, the cancellation token and the kernel's message code; a report fails the run. CI runs it.
TSAN_TESTS = ^(TensorTests|NeuralNetTests|KernelTests|SupportTests)\.|CancellationTests|MessageTests
tsan: setup
	$(SWIFT) build $(TESTFLAGS) --build-tests --sanitize=thread --scratch-path .build-tsan
	core="$$(.build-tsan/release/prunebook bench --blas-core-type)" && \
	  env $${core:+OPENBLAS_CORETYPE=$$core} TSAN_OPTIONS=halt_on_error=1 \
	  $(SWIFT) test $(TESTFLAGS) --skip-build --sanitize=thread --scratch-path .build-tsan --filter '$(TSAN_TESTS)'

# libFuzzer with AddressSanitizer over every reader and parser, FUZZ_SECONDS per harness, from the
# seed corpus in Fuzz/corpus (new inputs and crashes in .fuzz/). CI runs it for 5 s each. Linked
# with lld: gold fails on the fuzzer runtime's debug information.
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?= parser interpreter safetensors idx cifar gzip tar json prune ipynb onnx message
fuzz: setup
	$(SWIFT) build -c release --product PrunebookFuzz --scratch-path .build-fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DPRUNEBOOK_FUZZ -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
	scripts/fuzz $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# AddressSanitizer (its own build folder) over the engine, the data readers and the parsers
# (PruneScript, JSON, notebooks, safetensors, hostile ONNX files): out-of-bounds, use-after-free and leaks fail the run.
ASAN_TESTS = ^(TensorTests|NeuralNetTests|DatasetsTests|JSONTests|PruneScriptTests|NotebookTests|SupportTests)\.|SparseTrainingStepTests|HostileONNXTests
asan: setup
	$(SWIFT) build $(TESTFLAGS) --build-tests --sanitize=address --scratch-path .build-asan
	core="$$(.build-asan/release/prunebook bench --blas-core-type)" && \
	  env $${core:+OPENBLAS_CORETYPE=$$core} ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp \
	  $(SWIFT) test $(TESTFLAGS) --skip-build --sanitize=address --scratch-path .build-asan --filter '$(ASAN_TESTS)'

bench: build
	$(SWIFT) run $(RELEASE) prunebook bench

clean:
	rm -rf .build
