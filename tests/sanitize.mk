# Sanitizers, valgrind and fuzzing; included by the Makefile.  Each build
# has a directory of its own, so nothing here mixes into build/:
#
#   make fuzz-replay     replay tests/fuzz/{corpus,regress}/* through every
#                        fuzz target, built normally (part of `make check`)
#   make check-asan      unit tests, replays and every CLI script built
#                        with AddressSanitizer + UBSan (build-asan/)
#   make check-valgrind  unit tests, replays and quick CLI checks under
#                        valgrind memcheck (the normal build)
#   make fuzz            every tests/fuzz/fuzz_*.c under libFuzzer (clang,
#                        build-fuzz/) for FUZZ_SECONDS each, FUZZ_JOBS at a time
#   make fuzz-campaign   the same for FUZZ_CPU_SECONDS of CPU time each,
#                        recorded in build-fuzz/campaign.txt; fuzz-minimise
#                        then keeps what it found in tests/fuzz/corpus/
#
# A finding fails the target: a sanitizer report (written to
# build-asan/logs/), a valgrind error or leak (build-valgrind/logs/), a
# libFuzzer crash, leak or timeout (build-fuzz/artifacts/TARGET/; keep it
# under tests/fuzz/regress/TARGET/ once fixed).

# Every Check suite's name: those made by suite_create("NAME") and by
# testutil.h's test_simple_suite("NAME", ...); CK_RUN_SUITE runs one.
# check-asan and check-valgrind run each as a target of its own, and
# refuse to start when the count is not the test files' (a suite made some
# other way would be left out without a word).
SUITE_SED    := s/.*\(suite_create\|test_simple_suite\)("\([^"]*\)".*/\2/p
CHECK_SUITES := $(shell sed -n '$(SUITE_SED)' $(TEST_SRC))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_HELPERS := tests/fuzz/fuzzutil.c
# A target's inputs: its seed corpus and its regressions, those that exist.
fuzz_inputs = $(wildcard tests/fuzz/corpus/$(1) tests/fuzz/regress/$(1))

.PHONY: fuzz fuzz-replay check-asan check-valgrind check-suites valgrind-logs valgrind-cli valgrind-replay \
        clean-sanitize
check: fuzz-replay
clean: clean-sanitize
clean-sanitize:
	rm -rf build-asan build-fuzz build-valgrind

# ---- replays, normal build: build/fuzz/TARGET ----
build/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_HELPERS) build/libbnexp.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/fuzz -o $@ $(filter %.c %.a,$^) $(LDLIBS)

fuzz-replay: $(FUZZ_TARGETS:%=build/fuzz/%)
	@$(foreach t,$(FUZZ_TARGETS),build/fuzz/$(t) $(call fuzz_inputs,$(t)) &&) true

# ---- AddressSanitizer + UndefinedBehaviorSanitizer: build-asan/ ----
# -Wno-error: the normal build is the warnings gate; these builds see other
# warnings (GCC's -Wformat-truncation depends on -O; clang's set differs)
# and print them without stopping.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all -Wno-error -fopenmp
# These builds are for checking: -O1 throughout (lib/nn without KFLAGS' -O3),
# with OpenMP as the normal build has it, so that threads = T runs the
# kernels' OpenMP paths (without it, bnx_kernel_set_threads hands the
# threads to OpenBLAS, whose threaded GEMMs round otherwise, and threads = 2
# would not give threads = 1's CSVs).
# Reports go to build-asan/logs/ (a file per process, only when there is
# one), so a CLI test that expects a failure cannot hide one.  Check's
# 4 s per test is too short under ASan, hence the multiplier.
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:log_path=$(CURDIR)/build-asan/logs/asan \
            LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/build-asan/logs/ubsan \
            OPENBLAS_NUM_THREADS=1 CK_TIMEOUT_MULTIPLIER=10 OMP_WAIT_POLICY=passive

build-asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -MMD -MP -c $< -o $@
build-asan/libbnexp.a: $(LIB_SRC:%.c=build-asan/%.o)
	ar rcs $@ $^
build-asan/gen/help.o: build/gen/help.c cmd/bnexp/cli.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -Icmd/bnexp -c $< -o $@
build-asan/bnexp: $(CMD_SRC:%.c=build-asan/%.o) build-asan/gen/help.o build-asan/libbnexp.a
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)
build-asan/check_bnexp: $(TEST_SRC:%.c=build-asan/%.o) build-asan/libbnexp.a
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check)
build-asan/pngcheck: tests/pngcheck.c
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -o $@ $< $(LDLIBS)
build-asan/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_HELPERS) build-asan/libbnexp.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -Itests/fuzz -o $@ $(filter %.c %.a,$^) $(LDLIBS)

# Every CLI script (tests/cli_*.sh) runs $BNEXP and $PNGCHECK; BNEXP_HOME
# points the sanitized binary, which lives in build-asan/, at the
# checkout's experiments/ etc.  A script that sets BNEXP itself would test
# ./bnexp instead, so that is refused.  tests/cli_install.sh tests `make
# install`'s own build, not a sanitized binary, and is left out here, as is
# tests/cli_faults.sh and tests/cli_kills.sh: their processes die by SIGKILL
# or on purpose, and what they check is on disk (the plain build's runs of
# them keep CI's time).
# The Check suites each by itself (CK_RUN_SUITE) and every CLI script are
# targets of their own, so that `make -j2 check-asan` runs two at a time
# (CI's 15 minutes of one-at-a-time checks on 2 cores); each one's output
# goes to build-asan/out/NAME.txt and is shown when it fails.  The longest
# come first, as make check orders them (the Makefile's CLI_CHECKS).
# (Static pattern rules: make looks for no implicit rule for a .PHONY
# target.)
ASAN_SUITES := $(CHECK_SUITES)
ASAN_CLI    := $(filter-out cli_install cli_faults cli_kills,$(CLI_CHECKS))
.PHONY: asan-logs asan-replay $(ASAN_CLI:%=asan-cli-%) $(ASAN_SUITES:%=asan-suite-%)
check-suites:
	@[ $(words $(CHECK_SUITES)) -ge $(words $(TEST_FILES)) ] || { echo "sanitize.mk: \
	    $(words $(CHECK_SUITES)) Check suites found for $(words $(TEST_FILES)) test files: \
	    a suite is made in a way CHECK_SUITES does not read"; exit 1; }
check-asan: check-suites $(ASAN_CLI:%=asan-cli-%) $(ASAN_SUITES:%=asan-suite-%) asan-replay
	@tests/no_reports.sh build-asan/logs "AddressSanitizer/UBSan"
asan-logs:
	@rm -rf build-asan/logs build-asan/out && mkdir -p build-asan/logs build-asan/out
$(ASAN_SUITES:%=asan-suite-%): asan-suite-%: build-asan/check_bnexp asan-logs
	@tests/run_logged.sh build-asan/out/suite-$*.txt "check-asan: suite $*" \
	    env $(ASAN_ENV) CK_RUN_SUITE=$* build-asan/check_bnexp
asan-replay: $(FUZZ_TARGETS:%=build-asan/fuzz/%) asan-logs
	@$(foreach t,$(FUZZ_TARGETS),$(ASAN_ENV) build-asan/fuzz/$(t) $(call fuzz_inputs,$(t)) &&) true
$(ASAN_CLI:%=asan-cli-%): asan-cli-%: build-asan/bnexp build-asan/pngcheck asan-logs check-data
	@grep -q '^BNEXP=$${BNEXP:-' tests/$*.sh || \
	    { echo "check-asan: tests/$*.sh sets BNEXP itself; it would not test build-asan/bnexp"; exit 1; }
	@tests/run_logged.sh build-asan/out/$*.txt "check-asan: tests/$*.sh" \
	    env $(ASAN_ENV) BNEXP=build-asan/bnexp PNGCHECK=build-asan/pngcheck \
	    BNEXP_HOME=$(CURDIR) BNEXP_NO_BROWSER=1 ./tests/$*.sh

# ---- valgrind memcheck, on the normal build ----
VALGRIND := valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect --suppressions=$(CURDIR)/tests/valgrind.supp \
            --log-file=$(CURDIR)/build-valgrind/logs/%p.log --quiet
VALGRIND_ENV := CK_FORK=no OPENBLAS_NUM_THREADS=1
# Every Check suite, each run by itself (CK_RUN_SUITE), so that `make -j2
# check-valgrind` runs them side by side with the CLI checks.
VALGRIND_SUITES := $(CHECK_SUITES)

check-valgrind: check-suites valgrind-cli $(VALGRIND_SUITES:%=valgrind-suite-%) valgrind-replay
	@tests/no_reports.sh build-valgrind/logs valgrind
valgrind-logs:
	@rm -rf build-valgrind && mkdir -p build-valgrind/logs
valgrind-cli: bnexp valgrind-logs
	$(VALGRIND_ENV) VALGRIND="$(VALGRIND)" ./tests/valgrind_cli.sh
valgrind-suite-%: build/check_bnexp valgrind-logs
	$(VALGRIND_ENV) CK_RUN_SUITE=$* $(VALGRIND) build/check_bnexp
# valgrind replays every target's inputs but fuzz_grid's campaign corpus:
# its grids of thousands of points replay in 3.9 s natively and took more
# than 90 s under memcheck (CI's budget), so memcheck gets its named seeds
# alone; make check and check-asan replay all of it.
VALGRIND_SEEDS_ONLY := fuzz_grid
valgrind_inputs = $(if $(filter $(1),$(VALGRIND_SEEDS_ONLY)),$(shell ls -d tests/fuzz/corpus/$(1)/* | grep -Ev '/[0-9a-f]{40}$$'),$(call fuzz_inputs,$(1)))
valgrind-replay: $(FUZZ_TARGETS:%=build/fuzz/%) valgrind-logs
	@$(foreach t,$(FUZZ_TARGETS),$(VALGRIND_ENV) $(VALGRIND) build/fuzz/$(t) $(call valgrind_inputs,$(t)) &&) true

# ---- libFuzzer: build-fuzz/, clang ----
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_TIMEOUT ?= 10
# A single allocation above this is a finding: a reader trusting a size
# its input claims (the largest honest one here is a 4096x4096 RGBA PNG's
# 64 MiB).
FUZZ_MALLOC_MB ?= 256
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all -Wno-error

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
build-fuzz/libbnexp.a: $(LIB_SRC:%.c=build-fuzz/%.o)
	ar rcs $@ $^
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HELPERS) build-fuzz/libbnexp.a
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -Itests/fuzz \
	    -o $@ $(filter %.c %.a,$^) $(filter-out $(OMPFLAGS),$(LDLIBS))

# One target: new inputs go to build-fuzz/corpus/TARGET (the checked-in
# seeds and regressions are only read), crashes to build-fuzz/artifacts/.
fuzz-run-%: build-fuzz/%
	@mkdir -p build-fuzz/corpus/$* build-fuzz/artifacts/$*
	@echo "fuzz: $* for $(FUZZ_SECONDS) s (log: build-fuzz/$*.log)"
	@OPENBLAS_NUM_THREADS=1 build-fuzz/$* -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=2048 -malloc_limit_mb=$(FUZZ_MALLOC_MB) \
	    -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/artifacts/$*/ $(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
	    build-fuzz/corpus/$* \
	    $(call fuzz_inputs,$*) >build-fuzz/$*.log 2>&1 \
	    || { tail -n 40 build-fuzz/$*.log; echo "fuzz: $* FOUND A PROBLEM; input in build-fuzz/artifacts/$*/"; exit 1; }
	@grep -h "stat::number_of_executed_units\|stat::new_units_added" build-fuzz/$*.log \
	    | sed 's/^stat::/fuzz: $*: /'

fuzz: $(FUZZ_TARGETS:%=build-fuzz/%)
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) $(FUZZ_TARGETS:%=fuzz-run-%)

# A recorded campaign (docs/guide/reliability.md): each target of
# FUZZ_CAMPAIGN for FUZZ_CPU_SECONDS of CPU time (not wall time), FUZZ_JOBS
# at a time; a line per target in build-fuzz/campaign.txt (tests/fuzz/
# campaign.sh; docs/guide/reliability.md records the campaigns).  Then
# fuzz-minimise merges what it found into tests/fuzz/corpus/TARGET (the
# seeds, and the fewest inputs that add the campaign's coverage to them),
# to be committed: make check, check-asan and check-valgrind replay it.
FUZZ_CPU_SECONDS ?= 3600
FUZZ_CAMPAIGN    ?= $(FUZZ_TARGETS)
.PHONY: fuzz-campaign fuzz-minimise $(FUZZ_TARGETS:%=fuzz-campaign-%) $(FUZZ_TARGETS:%=fuzz-minimise-%)
fuzz-campaign: $(FUZZ_CAMPAIGN:%=build-fuzz/%)
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) $(FUZZ_CAMPAIGN:%=fuzz-campaign-%)
$(FUZZ_TARGETS:%=fuzz-campaign-%): fuzz-campaign-%: build-fuzz/%
	@tests/fuzz/campaign.sh $* $(FUZZ_CPU_SECONDS)
fuzz-minimise: $(FUZZ_CAMPAIGN:%=fuzz-minimise-%)
# The checked-in seeds (named for what they are) are kept as they are; of
# the campaign's inputs, those that add coverage to them are added.
$(FUZZ_TARGETS:%=fuzz-minimise-%): fuzz-minimise-%: build-fuzz/%
	@rm -rf build-fuzz/min/$* && mkdir -p build-fuzz/min && cp -r tests/fuzz/corpus/$* build-fuzz/min/$*
	@build-fuzz/$* -merge=1 build-fuzz/min/$* build-fuzz/corpus/$* \
	    >build-fuzz/min-$*.log 2>&1 || { tail -n 20 build-fuzz/min-$*.log; exit 1; }
	@rm -rf tests/fuzz/corpus/$* && cp -r build-fuzz/min/$* tests/fuzz/corpus/$*
	@echo "fuzz-minimise: $*: $$(ls tests/fuzz/corpus/$* | wc -l) inputs in tests/fuzz/corpus/$*"

-include $(LIB_SRC:%.c=build-asan/%.d) $(CMD_SRC:%.c=build-asan/%.d) \
         $(TEST_SRC:%.c=build-asan/%.d) $(LIB_SRC:%.c=build-fuzz/%.d)
