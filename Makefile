# bnexp: build, test and benchmark.  See README.md.
CC      ?= cc
PKGS    := openblas inih libcjson libpng zlib libcrypto libcmark-gfm
# CFLAGS is yours (make CFLAGS="-O1 -g -fsanitize=address,undefined");
# what the build needs is added to it whatever you give.
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilib -Itests \
           $(shell pkg-config --cflags $(PKGS))
# Kernels are plain loops written for the compiler to vectorise, shared
# among a trial's `threads` by OpenMP (GCC's libgomp, which comes with gcc;
# nn/kernel.h).  The sanitizer and fuzzing builds compile lib/nn without
# it: the same loops on one thread, the same results.
OMPFLAGS := -fopenmp
KFLAGS  := -O3 -fno-math-errno -fno-trapping-math $(OMPFLAGS)
# libcsv (RFC 4180, claims.csv read back) has no pkg-config file.
LDLIBS  := $(shell pkg-config --libs $(PKGS)) -lcsv -lm $(OMPFLAGS)
LDFLAGS ?=
VERSION := $(shell cat VERSION)
GITREV  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
override CFLAGS += -DBNX_VERSION='"$(VERSION)"' -DBNX_GITREV='"$(GITREV)"'

LIB_SRC := $(sort $(wildcard lib/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=build/%.o)
CMD_SRC := $(sort $(wildcard cmd/bnexp/*.c))
CMD_OBJ := $(CMD_SRC:%.c=build/%.o)
TEST_FILES := $(sort $(wildcard tests/*/check_*.c))
TEST_SRC := $(TEST_FILES) tests/check_main.c tests/testutil.c
TEST_OBJ := $(TEST_SRC:%.c=build/%.o)

.PHONY: all deps fig1 claims check unit-check cli-check check-layers check-cluster kill-campaign bench bench-deps readme-claims \
        man docs install uninstall clean
all: bnexp

# Where `make install` puts bnexp (DESTDIR: a staging root, as packagers use).
# An installed bnexp finds its experiments, gnuplot templates and dataset
# sums in <its own directory>/../share/bnexp, then in SHAREDIR as compiled
# in (core/paths.h); runs and datasets go to the current directory.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
SHAREDIR = $(PREFIX)/share/bnexp
MANDIR   = $(PREFIX)/share/man/man1
DOCDIR   = $(PREFIX)/share/doc/bnexp
COMPDIR  = $(PREFIX)/share/bash-completion/completions

build/lib/nn/%.o: lib/nn/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KFLAGS) -MMD -MP -c $< -o $@
build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The version string (with the git revision) is compiled into these two.
# .git/logs/HEAD changes with every commit and checkout, .git/index with
# every staged change, and any source edit may make the tree "-dirty".
build/cmd/bnexp/main.o build/cmd/bnexp/cmd_run.o build/cmd/bnexp/cmd_suite.o build/lib/runs/trial.o: VERSION $(wildcard .git/HEAD .git/index .git/logs/HEAD) \
    $(LIB_SRC) $(CMD_SRC) $(wildcard lib/*/*.h)

build/lib/core/paths.o: override CFLAGS += -DBNX_DATADIR='"$(SHAREDIR)"'

# The runner checks that every test file registered its suite (TEST_SUITE).
build/tests/check_main.o build-asan/tests/check_main.o: $(TEST_FILES)
build/tests/check_main.o build-asan/tests/check_main.o: \
    override CFLAGS += -DBNX_TEST_FILES=$(words $(TEST_FILES))

build/libbnexp.a: $(LIB_OBJ)
	ar rcs $@ $^

# The help texts: docs/man/bnexp-NAME.txt, one source per command's --help
# and man page, compiled in as a table (cmd/bnexp/cli.h, cli_help_texts).
HELP_TXT := $(sort $(wildcard docs/man/*.txt))
build/gen/help.c: $(HELP_TXT) scripts/embed-help.sh
	@mkdir -p $(dir $@)
	./scripts/embed-help.sh $@ $(HELP_TXT)
build/gen/help.o: build/gen/help.c cmd/bnexp/cli.h
	$(CC) $(CFLAGS) -Icmd/bnexp -c $< -o $@

bnexp: $(CMD_OBJ) build/gen/help.o build/libbnexp.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/check_bnexp: $(TEST_OBJ) build/libbnexp.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check)

build/pngcheck: tests/pngcheck.c
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

build/bench: bench/bench.c build/libbnexp.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# One man page per subcommand, generated from its help text (docs/man/) `bnexp CMD
# --help` prints (cmd/bnexp/main.c's table: one source for both).
man: bnexp
	@mkdir -p build/man
	./bnexp help --man > build/man/bnexp.1
	for c in $$(./bnexp help --commands); do ./bnexp help --man $$c > build/man/bnexp-$$c.1 || exit 1; done

install: bnexp man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/experiments $(DESTDIR)$(SHAREDIR)/plots \
	    $(DESTDIR)$(SHAREDIR)/datasets $(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR)
	install -m 755 bnexp $(DESTDIR)$(BINDIR)/bnexp
	install -m 644 experiments/*.ini $(DESTDIR)$(SHAREDIR)/experiments/
	install -m 644 plots/*.gp $(DESTDIR)$(SHAREDIR)/plots/
	install -m 644 datasets/*.sha256 $(DESTDIR)$(SHAREDIR)/datasets/
	install -m 644 build/man/*.1 $(DESTDIR)$(MANDIR)/
	install -m 644 scripts/bnexp-completion.bash $(DESTDIR)$(COMPDIR)/bnexp
	install -d $(DESTDIR)$(DOCDIR)
	install -m 644 README.md HACKING.md $(DESTDIR)$(DOCDIR)/
	cp -R docs $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bnexp $(DESTDIR)$(MANDIR)/bnexp.1 $(DESTDIR)$(MANDIR)/bnexp-*.1 \
	    $(DESTDIR)$(COMPDIR)/bnexp
	rm -rf $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR)

# docs/reference/: pages bnexp prints from its own tables (bnexp list
# --markdown); tests/cli_docs.sh, in make check, fails while they differ.
REFERENCE_PAGES := keys charts normalizations models probes measures datasets
docs: bnexp
	for p in $(REFERENCE_PAGES); do ./bnexp list --markdown $$p > docs/reference/$$p.md || exit 1; done

# The layout's rules (HACKING.md): stages, no circles, sizes.
check-layers: bnexp
	./scripts/check-layers.sh

# Debian packages (apt-get; root or sudo).
deps:
	./scripts/install-deps.sh

# The README's main job: Fig. 1 on real MNIST, charts included.  Each run
# is a new directory runs/fig1/YYYYMMDD-HHMMSS (UTC); runs/fig1/latest points
# at it, and the charts and report land in runs/fig1/latest/.
fig1: bnexp
	./bnexp data fetch mnist
	./bnexp run fig1
	./bnexp plot accuracy fig1
	./bnexp plot loss fig1
	./bnexp plot activations fig1
	./bnexp report fig1

# Every experiment with a rule, both looks where its rules need them, in
# one queue (runs/claims/YYYYMMDD-HHMMSS, runs/claims/latest), then the
# claims table: runs/claims.md, .csv and .html with their charts.  About
# two and a half hours on 2 cores (docs/guide/experiments.md).
claims: bnexp
	./bnexp data fetch mnist
	./bnexp data fetch fashion-mnist
	./bnexp run claims

# The README's claims summary from a claims table (RUNS/claims.md, written
# by bnexp run claims or bnexp report claims): its verdicts by network and
# its provenance, between the README's <!-- claims-summary --> lines.
RUNS ?= runs
readme-claims:
	scripts/readme-claims.sh $(RUNS)/claims.md README.md

# The README's test command: unit tests (Check) and CLI tests on real
# MNIST (tests/cli_*.sh), CHECK_JOBS at a time, the longest first.  Each
# one's output goes to build/out/NAME.txt; a line says how it went, and
# a failure shows its whole output.  Check's 4 s a test is doubled: the
# tests share the cores.  OpenMP threads wait passively: a trial's threads
# spinning at a barrier while another check holds the core made make check
# take 4.1 min instead of 3.4.  The datasets are fetched first, once,
# so that no two scripts fetch the same set at the same time.
CHECK_JOBS ?= 2
CLI_FIRST  := cli_test cli_cnn cli_resnet cli_resume cli_claims
CLI_CHECKS := $(CLI_FIRST) $(filter-out $(CLI_FIRST),$(patsubst tests/%.sh,%,$(sort $(wildcard tests/cli_*.sh))))
.PHONY: check-data $(CLI_CHECKS:%=check-%)
check: bnexp build/check_bnexp build/pngcheck check-data
	@OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-passive} $(MAKE) --no-print-directory -j$(CHECK_JOBS) \
	    unit-check cli-check
check-data: bnexp
	@./bnexp data fetch mnist >/dev/null && ./bnexp data fetch fashion-mnist >/dev/null
unit-check: build/check_bnexp
	@tests/run_logged.sh build/out/unit.txt "unit tests (build/check_bnexp)" \
	    env CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-2} ./build/check_bnexp
cli-check: $(CLI_CHECKS:%=check-%)
$(CLI_CHECKS:%=check-%): check-%: bnexp build/pngcheck
	@tests/run_logged.sh build/out/$*.txt "tests/$*.sh" ./tests/$*.sh

# The kill -9 campaign's long form (tests/cli_kills.sh, 20 kills in make
# check): KILLS (200) SIGKILLs at random moments, SEED (1) choosing them.
KILLS ?= 200
SEED  ?= 1
kill-campaign: bnexp check-data
	./tests/cli_kills.sh $(KILLS) $(SEED)

# The launchers with the real programs: GNU parallel, and a single-node
# Slurm cluster this starts and stops (root; SKIP where they are missing).
check-cluster: bnexp
	./tests/cluster.sh

# Timings, never pass/fail: steps against their bare GEMMs, per layer,
# evaluation; the same networks in PyTorch where it is installed (make
# bench-deps; CI never needs it); then the headline figures as medians of
# ROUNDS (5) alternating rounds of bnexp and PyTorch, one-thread runs pinned
# with taskset, with the load average (bench/compare.sh); then a full fig1
# and a reference CNN run with their peak memory; then the marginal
# training step through `bnexp run` and through a PyTorch script
# (bench/marginal.sh).
bench: bnexp build/bench
	./build/bench build/bench-figures.txt
	@py=$$(for p in python3 /usr/bin/python3; do $$p -c 'import torch' 2>/dev/null && echo $$p && break; done); \
	if [ -n "$$py" ]; then $$py bench/torch_ref.py build/bench-figures.txt; \
	else echo; echo "PyTorch: not installed (make bench-deps installs Debian's python3-torch): no bnexp / PyTorch ratios"; fi
	./bench/compare.sh
	./bench/fig1_wall.sh
	./bench/marginal.sh

# PyTorch for make bench's comparison (Debian's python3-torch; root or sudo).
bench-deps:
	$$([ "$$(id -u)" -eq 0 ] || echo sudo) apt-get install -y --no-install-recommends python3-torch

clean:
	rm -rf build bnexp

# fuzz, fuzz-replay, check-asan, check-valgrind
include tests/sanitize.mk

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
