# stratfarm - one Makefile. `make` builds the three programs, `make test`
# runs the whole suite against real servers, `make demo` runs the farm on the
# bundled data, `make bench` prints speed figures.
CC      ?= cc
PKGS    := hiredis libpq yaml-0.1 jansson libcurl libgit2 libmicrohttpd
WARN    := -std=c11 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter -Wno-format-truncation
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
INCS    := -Ilib -Ijobs -I.
# Only the test and bench flavours see tests/ (the release build must not).
TINCS   := $(INCS) -Itests -Itests/bench -Ischeduler
LDLIBS   = $(PKG_LIBS) -lpthread -lm
# Each function and object in its own section, and the link keeps only what
# a program reaches and the libraries it calls: the scheduler and the CLI
# plan jobs but never run them (lib/jobctx.h JobRunner), so they carry
# neither the kinds' run code nor libcurl (the scheduler's idle RSS).
SECTIONS := -ffunction-sections -fdata-sections
LDGC     := -Wl,--gc-sections -Wl,--as-needed

REL_CFLAGS  := -O2 -g -march=x86-64-v2 $(SECTIONS) $(WARN) $(INCS)
TEST_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all $(WARN) $(TINCS) -DSF_TESTING=1
BENCH_CFLAGS := -O3 -g -march=native $(SECTIONS) $(WARN) $(TINCS)

LIB_SRC    := $(wildcard lib/*.c)
JOBS_SRC   := $(wildcard jobs/*.c jobs/*/*.c)
CLI_SRC    := $(wildcard cli/*.c)
WORKER_SRC := $(wildcard worker/*.c)
SCHED_SRC  := $(wildcard scheduler/*.c)
TEST_SRC   := $(shell find tests -name '*.c' -not -path 'tests/bench/*' | sort)
BENCH_SRC  := $(wildcard tests/bench/*.c) tests/jobs/agent_analysis/fake_llm.c

# V=1 shows the full compiler lines.
Q := $(if $(V),,@)
PROGS := stratfarm stratfarm-worker stratfarm-scheduler

.PHONY: all deps test demo bench measure clean stack-up stack-down fault chaos fuzz fuzz-build
all: build/.deps-ok $(PROGS:%=build/rel/bin/%)
	@for p in $(PROGS); do ln -sf build/rel/bin/$$p $$p; done

deps:
	@bash ops/deps.sh

build/.deps-ok: ops/deps.sh
	@bash ops/deps.sh --quiet
	@mkdir -p build && touch $@

# ---- object rules, one tree per flavour -------------------------------------
build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	$(Q)$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@
build/test/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	$(Q)$(CC) $(TEST_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@
build/bench/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	$(Q)$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

# The programs link lib/ and jobs/ from an archive, so each takes only the
# objects it reaches (with LDGC above: only the functions).
define flavour
$(1)_CORE := $$(LIB_SRC:%.c=build/$(1)/%.o) $$(JOBS_SRC:%.c=build/$(1)/%.o)
build/$(1)/libstratfarm.a: $$($(1)_CORE)
	@echo "  AR    $$@"
	$(Q)rm -f $$@ && ar rcs $$@ $$^
build/$(1)/bin/stratfarm: $$(CLI_SRC:%.c=build/$(1)/%.o) build/$(1)/libstratfarm.a
	@mkdir -p $$(dir $$@)
	@echo "  LD    $$@"
	$(Q)$$(CC) $$($(2)) $(LDGC) -o $$@ $$^ $$(LDLIBS)
build/$(1)/bin/stratfarm-worker: $$(WORKER_SRC:%.c=build/$(1)/%.o) build/$(1)/libstratfarm.a
	@mkdir -p $$(dir $$@)
	@echo "  LD    $$@"
	$(Q)$$(CC) $$($(2)) $(LDGC) -o $$@ $$^ $$(LDLIBS)
build/$(1)/bin/stratfarm-scheduler: $$(SCHED_SRC:%.c=build/$(1)/%.o) build/$(1)/libstratfarm.a
	@mkdir -p $$(dir $$@)
	@echo "  LD    $$@"
	$(Q)$$(CC) $$($(2)) $(LDGC) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call flavour,rel,REL_CFLAGS))
$(eval $(call flavour,test,TEST_CFLAGS))
$(eval $(call flavour,bench,BENCH_CFLAGS))

# The scheduler's modules (not its main) are tested and benchmarked directly.
SCHED_MODS := $(filter-out scheduler/main.c,$(SCHED_SRC))
build/test/bin/stratfarm-tests: $(TEST_SRC:%.c=build/test/%.o) $(SCHED_MODS:%.c=build/test/%.o) $(test_CORE)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $^ $(LDLIBS) -ldl

build/bench/bin/stratfarm-bench: $(BENCH_SRC:%.c=build/bench/%.o) $(SCHED_MODS:%.c=build/bench/%.o) $(bench_CORE)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $^ $(LDLIBS) -ldl

# ---- fuzz targets (fuzz/, libFuzzer: clang from Debian) -----------------------
# Their own flavour: clang with -fsanitize=fuzzer-no-link plus ASan and UBSan
# on every object, so the farm's code is instrumented, not only the target.
# Warnings are shown, not fatal: the warning set is tuned for gcc.
FUZZ_CC      := clang
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all $(filter-out -Werror,$(WARN)) -Wno-unknown-warning-option $(INCS)
FUZZ_TARGETS := envelope config cron csv dsl
FUZZ_CORE    := $(LIB_SRC:%.c=build/fuzz/%.o) $(JOBS_SRC:%.c=build/fuzz/%.o)
build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@
build/fuzz/bin/fuzz_%: build/fuzz/fuzz/fuzz_%.o $(FUZZ_CORE)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
fuzz-build: build/.deps-ok $(FUZZ_TARGETS:%=build/fuzz/bin/fuzz_%)
# Pattern-built objects would count as intermediate and be deleted.
.SECONDARY: $(FUZZ_CORE) $(FUZZ_TARGETS:%=build/fuzz/fuzz/fuzz_%.o)

# Each target for FUZZ_SECONDS (default 60) from its seed corpus, after its
# regression inputs; prints execs/s and coverage. FUZZ="csv dsl" for some.
fuzz: fuzz-build
	@bash fuzz/run.sh $${FUZZ_SECONDS:-60} $(or $(FUZZ),$(FUZZ_TARGETS))

# ---- the two commands and friends --------------------------------------------
# The whole suite: sanitizer build, real Redis + PostgreSQL on free loopback
# ports, ends with "N passed, N failed". Filter with T="name ...".
# The suite includes a 10 s run of each fuzz target (tests/fuzz/).
test: build/.deps-ok $(PROGS:%=build/test/bin/%) build/test/bin/stratfarm-tests fuzz-build
	@bash tests/run.sh $(T)

demo: all
	@bash ops/demo.sh

bench: build/.deps-ok $(PROGS:%=build/bench/bin/%) build/bench/bin/stratfarm-bench
	@bash tests/bench/run.sh

# Size measures of the production C: long functions, long files, duplicate
# pairs (ops/measure.sh); prints, never fails.
measure:
	@bash ops/measure.sh || true

# Long fault runs (the suite runs the same scenarios bounded).
fault: build/.deps-ok $(PROGS:%=build/test/bin/%) build/test/bin/stratfarm-tests
	@SF_FAULT_SCALE=$${SF_FAULT_SCALE:-20} bash tests/run.sh tests/worker/test_faults.c

# Two simulated weeks of scheduler chaos (the suite runs three short windows).
chaos: build/.deps-ok $(PROGS:%=build/test/bin/%) build/test/bin/stratfarm-tests
	@SF_CHAOS_LONG=1 bash tests/run.sh tests/scheduler/test_scheduler_chaos.c

stack-up: all
	@bash ops/stack.sh up
stack-down:
	@bash ops/stack.sh down

clean:
	rm -rf build $(PROGS)

-include $(shell find build -name '*.d' 2>/dev/null)
