# mpc-node — one non-recursive GNU Makefile.
#
#   make             release build of every program into build/bin/
#   make deps        check dependencies; as root, apt-get install what is missing
#   make demo        3-node local cluster: keygen, sign, reshare, sign, verify (tests/demo/demo.sh)
#   make bench       release build, the cluster bench set, one table (tests/bench/cluster_bench.sh;
#                    BENCH_ARGS=--quick: counts/10); two builds: tests/bench/compare.sh OLD NEW
#   make demo-ha     the same on 3 clustered nats-servers (R3, TLS), each process in its own
#                    network namespace (configs/cluster-ha, tests/ha/lib)
#   make test        ASan+UBSan build, run every test suite (in parallel), plus a
#                    release-build smoke (demo + reduced stress); fail on any failure
#   make test ONLY=test_store   one suite (name, path, or script; comma-separated list)
#                    MPC_TEST_FILTER='*glob*' selects cmocka cases, MPC_TEST_SEED repeats a run
#   make suite-times copy the last runs' suite durations to tests/suite-times/ (run.sh
#                    starts the longest first; a clean clone uses these)
#   make check       the same with -Werror
#   make valgrind    unit tests under valgrind (no sanitizers)
#   make ctime       constant-time tests (tests/unit/tss/test_*ctime*) on an -O2
#                    build under valgrind: a secret-dependent branch or index fails
#   make tsan        ThreadSanitizer build of the threaded tests
#   make fuzz        libFuzzer harnesses (clang), FUZZ_SECONDS each; fuzz-smoke: seeds only
#   make layering    include graph against DESIGN §1 (tests/layering.py)
#   make format / format-check / lint
#   make help        this list
#   V=1              show full command lines
#
# Sources are found by wildcard: every <module>/*.c joins libmpc, except files
# named *_main.c, which are programs (see PROGRAMS). Every
# tests/unit/<module>/test_<file>.c is its own cmocka executable. Adding a file
# therefore needs no Makefile edit.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

BUILD ?= release
B     := build/$(BUILD)
GEN   := build/gen

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---------------------------------------------------------------- toolchain
CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
ifeq ($(BUILD),fuzz)
CC := clang
endif

PKGS      := libnats libsodium libsecp256k1 gmp libprotobuf-c lmdb libcyaml jansson libmicrohttpd
TEST_PKGS := cmocka

PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) -I. -I$(GEN) $(PKG_CFLAGS) -MMD -MP
BASE_LDFLAGS := -pthread

ifeq ($(BUILD),release)
MODE_CFLAGS := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
else ifeq ($(BUILD),asan)
MODE_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
MODE_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(BUILD),check)
MODE_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -Werror
MODE_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(BUILD),debug)
MODE_CFLAGS := -O1 -g -fno-omit-frame-pointer
else ifeq ($(BUILD),ctime)
# Constant-time check build: optimised like release (the compiler may turn
# selects into branches at -O2), with the TSS_CLASSIFY hooks (tss/ctime.h).
MODE_CFLAGS := -O2 -g
else ifeq ($(BUILD),tsan)
MODE_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
MODE_LDFLAGS := -fsanitize=thread
else ifeq ($(BUILD),fuzz)
MODE_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
MODE_LDFLAGS := -fsanitize=fuzzer,address,undefined
else
$(error unknown BUILD=$(BUILD): release asan check debug ctime tsan fuzz)
endif

# Test-only hooks (fault injection) are compiled into every non-release build.
ifneq ($(BUILD),release)
MODE_CFLAGS += -DMPC_FAULT_INJECTION
endif

CFLAGS  := $(BASE_CFLAGS) $(MODE_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(BASE_LDFLAGS) $(MODE_LDFLAGS) $(EXTRA_LDFLAGS)

# ---------------------------------------------------------------- sources
MODULES    := common tss transport session node
PROTOS     := $(wildcard proto/*.proto)
GEN_C      := $(patsubst proto/%.proto,$(GEN)/proto/%.pb-c.c,$(PROTOS))
GEN_H      := $(GEN_C:.c=.h)

ALL_SRC    := $(foreach m,$(MODULES),$(wildcard $(m)/*.c $(m)/*/*.c))
MAIN_SRC   := $(filter %_main.c,$(ALL_SRC))
LIB_SRC    := $(filter-out %_main.c,$(ALL_SRC))
LIB_OBJ    := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) \
              $(patsubst $(GEN)/%.c,$(B)/obj/gen/%.o,$(GEN_C))
LIBMPC     := $(B)/libmpc.a

# The constant-time programs (CTIME_SRC below) use only common/ and tss/ and
# seven helpers: the ctime build compiles no more than that.
ifeq ($(BUILD),ctime)
LIB_SRC    := $(filter common/% tss/%,$(LIB_SRC))
LIB_OBJ    := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC))
endif

# Shared test helpers (simulators, nats-server launcher, in-process fixtures).
TSUP_SRC   := $(wildcard tests/support/*.c)
ifeq ($(BUILD),ctime)
TSUP_SRC   := $(addprefix tests/support/,test_main.c test_rng.c test_util.c tss_sim.c \
              tss_fixture.c dkls_fixture.c sim_dkls_sign.c)
endif
TSUP_OBJ   := $(patsubst %.c,$(B)/obj/%.o,$(TSUP_SRC))
LIBTSUP    := $(B)/libmpctest.a

UNIT_SRC   := $(wildcard tests/unit/*/test_*.c tests/unit/*/*/test_*.c)
UNIT_BIN   := $(patsubst %.c,$(B)/%,$(UNIT_SRC))
INTEG_SRC  := $(wildcard tests/integration/test_*.c)
INTEG_BIN  := $(patsubst %.c,$(B)/%,$(INTEG_SRC))
# Script suites (vector runs, integration flows with real processes). They find
# programs in $$MPC_BIN and print a closing "N passed, M failed" line.
TEST_SH    := $(sort $(wildcard tests/vectors/test_*.sh tests/integration/test_*.sh tests/ha/test_*.sh))
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(patsubst %.c,build/fuzz/%,$(FUZZ_SRC))
# Code shared by the harnesses (recorded protocol runs, deterministic RNG, seeds).
FUZZ_SUP_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(wildcard tests/fuzz/support/*.c))

# Programs: <dir>/<name>_main.c -> bin/<name with _ as -> (mpc_node_main.c -> mpc-node).
# tests/vectors/*_main.c and tests/bench/*_main.c are programs too (mpc-vectors, benches).
PROG_SRC   := $(MAIN_SRC) $(wildcard tests/vectors/*_main.c tests/bench/*_main.c)
PROG_NAME   = $(subst _,-,$(patsubst %_main,%,$(basename $(notdir $(1)))))
PROG_BIN   := $(foreach s,$(PROG_SRC),$(B)/bin/$(call PROG_NAME,$(s)))

# ---------------------------------------------------------------- rules
.PHONY: all demo demo-ha bench deps test check suite-times valgrind tsan fuzz fuzz-bins fuzz-smoke fuzz-seeds format \
        format-check lint clean gen bins unit-bins integ-bins layering help ctime ctime-bins

all: deps
	$(Q)$(MAKE) $(PAR) --no-print-directory BUILD=release bins
	$(Q)mkdir -p build/bin && for p in build/release/bin/*; do \
	    [ -e "$$p" ] && ln -sf "../release/bin/$$(basename $$p)" build/bin/; done; true

demo: all
	$(Q)MPC_BIN=build/release/bin tests/demo/demo.sh

# A benchmark, not a test: not part of `make test` (numbers need a quiet machine).
BENCH_ARGS ?=
bench: all
	$(Q)MPC_BIN=build/release/bin tests/bench/cluster_bench.sh $(BENCH_ARGS)
# The same on the HA deployment (configs/cluster-ha) in network namespaces (root; else loopback).
demo-ha: all
	$(Q)MPC_HA=1 MPC_BIN=build/release/bin tests/demo/demo.sh

bins: $(PROG_BIN)
unit-bins: $(UNIT_BIN)
integ-bins: $(INTEG_BIN)
gen: $(GEN_H)

$(GEN)/proto/%.pb-c.c $(GEN)/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(@D)
	@echo "  PROTOC  $<"
	$(Q)protoc-c --c_out=$(GEN) $<

# Every object waits for the generated headers (order-only), then -MMD tracks
# the real header dependencies from the second build on.
$(B)/obj/%.o: %.c | $(GEN_H)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Protocol code (tss/, pure) goes into its own section, mpc_tss_text: the fault
# guard traps a hardware fault only when the faulting instruction lies there
# (session/guard.h). Every .text* section of a tss object is renamed.
$(B)/obj/tss/%.o: tss/%.c | $(GEN_H)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
	$(Q)secs=$$(readelf -SW $@ | sed -n 's/^ *\[ *[0-9]*\] \(\.text[^ ]*\).*/\1/p' | sort -u); \
	    objcopy $$(for x in $$secs; do printf -- '--rename-section %s=mpc_tss_text ' $$x; done) $@

$(B)/obj/gen/%.o: $(GEN)/%.c | $(GEN_H)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(filter-out -Wmissing-prototypes -Werror,$(CFLAGS)) -c $< -o $@

$(LIBMPC): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBTSUP): $(TSUP_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^ $(if $(TSUP_OBJ),,)

$(B)/tests/%: $(B)/obj/tests/%.o $(LIBTSUP) $(LIBMPC)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBTSUP) $(LIBMPC) $(PKG_LIBS) $(TEST_LIBS)

# Every cmocka suite's group run goes through tests/support/test_main.c
# (MPC_TEST_FILTER), without an edit to any main().
$(B)/tests/%: LDFLAGS += -Wl,--wrap=_cmocka_run_group_tests

# Keep the test objects (pattern-rule intermediates): a change in libmpc then
# relinks every suite instead of compiling each one again.
.SECONDARY: $(patsubst %.c,$(B)/obj/%.o,$(UNIT_SRC) $(INTEG_SRC) $(PROG_SRC))

$(B)/obj/tests/%.o: CFLAGS += $(TEST_CFLAGS)
# test_secp_mod checks GMP's preconditions on every mpn_sec_powm call.
$(B)/tests/unit/tss/test_secp_mod: LDFLAGS += -Wl,--wrap=__gmpn_sec_powm
$(B)/obj/tests/unit/%.o $(B)/obj/tests/integration/%.o: CFLAGS += -Wno-missing-prototypes

define PROG_RULE
$(B)/bin/$(call PROG_NAME,$(1)): $(B)/obj/$(1:.c=.o) $(LIBTSUP) $(LIBMPC)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$< $(LIBTSUP) $(LIBMPC) $$(PKG_LIBS) $$(TEST_LIBS)
endef
$(foreach s,$(PROG_SRC),$(eval $(call PROG_RULE,$(s))))

# ---------------------------------------------------------------- deps
# Each line: <kind>:<name>:<debian package>. kind pc = pkg-config module,
# cmd = command on PATH, hdr = header under /usr/include.
DEPS := pc:libnats:libnats-dev cmd:nats-server:nats-server pc:libsodium:libsodium-dev \
        pc:libsecp256k1:libsecp256k1-dev hdr:secp256k1_schnorrsig.h:libsecp256k1-dev pc:gmp:libgmp-dev pc:libprotobuf-c:libprotobuf-c-dev \
        cmd:protoc-c:protobuf-c-compiler pc:cmocka:libcmocka-dev pc:lmdb:liblmdb-dev \
        pc:libcyaml:libcyaml-dev pc:yaml-0.1:libyaml-dev pc:jansson:libjansson-dev pc:libmicrohttpd:libmicrohttpd-dev \
        hdr:uthash.h:uthash-dev cmd:valgrind:valgrind cmd:clang:clang cmd:openssl:openssl \
        cmd:pkg-config:pkg-config cmd:curl:curl cmd:python3:python3 cmd:node:nodejs cmd:npm:npm \
        file:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev

deps:
	@missing=""; for d in $(DEPS); do \
	    kind=$${d%%:*}; rest=$${d#*:}; name=$${rest%:*}; pkg=$${rest##*:}; \
	    case $$kind in \
	      pc)   pkg-config --exists "$$name" 2>/dev/null || missing="$$missing $$pkg";; \
	      cmd)  command -v "$$name" >/dev/null 2>&1 || missing="$$missing $$pkg";; \
	      hdr)  [ -e "/usr/include/$$name" ] || missing="$$missing $$pkg";; \
	      file) [ -e "$$name" ] || missing="$$missing $$pkg";; \
	    esac; \
	done; \
	if [ -n "$$missing" ]; then \
	    missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	    if [ "$$(id -u)" = 0 ]; then \
	        echo "deps: installing:$$missing"; \
	        export DEBIAN_FRONTEND=noninteractive; \
	        apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	          || { echo "deps: apt-get install failed for:$$missing" >&2; exit 1; }; \
	    else \
	        echo "deps: missing packages:$$missing" >&2; \
	        echo "deps: run as root:  apt-get update && apt-get install -y $$missing" >&2; \
	        exit 1; \
	    fi; \
	fi

# ---------------------------------------------------------------- tests
# tests/run.sh runs each executable, prints its output, and ends with the
# closing line "N passed, M failed" over all test cases.
TEST_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:allow_user_segv_handler=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Release smoke: the configuration operators run (BUILD=release, no fault
# hooks) runs the demo flow and a reduced stress run; they count as suites.
RELEASE_SH := tests/release/test_release_demo.sh tests/release/test_release_stress.sh
# ONLY=<suite>[,<suite>...]: run just those (tests/run.sh MPC_TEST_ONLY); the
# release build and the layering check are skipped unless asked for.
ONLY ?=

# The test targets build with every core even when make runs without -j (a
# -j of the caller is kept: it shows in MAKEFLAGS inside a recipe). The three
# configurations of `make test` build at once, sharing the jobs; the protobuf
# sources they share are generated first.
NPROC := $(shell nproc 2>/dev/null || echo 1)
PAR    = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC))
TEST_BUILDS := build-asan-tests \
    $(if $(ONLY),$(if $(findstring release,$(ONLY)),build-release-bins),build-release-bins) \
    $(if $(ONLY),$(if $(findstring ctime,$(ONLY)),build-ctime-bins),build-ctime-bins) \
    $(if $(ONLY),,layering)
.PHONY: build-asan-tests build-release-bins build-ctime-bins build-check-tests build-debug-tests
build-asan-tests:
	$(Q)$(MAKE) --no-print-directory BUILD=asan unit-bins integ-bins bins
build-release-bins:
	$(Q)$(MAKE) --no-print-directory BUILD=release bins
build-ctime-bins:
	$(Q)$(MAKE) --no-print-directory BUILD=ctime ctime-bins
build-check-tests:
	$(Q)$(MAKE) --no-print-directory BUILD=check unit-bins integ-bins bins
build-debug-tests:
	$(Q)$(MAKE) --no-print-directory BUILD=debug unit-bins bins

test: deps
	$(Q)$(MAKE) --no-print-directory gen
	$(Q)$(MAKE) $(PAR) --no-print-directory $(TEST_BUILDS)
	$(Q)$(TEST_ENV) MPC_TEST_ONLY="$(ONLY)" MPC_BIN=build/asan/bin tests/run.sh build/asan \
	    $(UNIT_BIN:$(B)/%=%) $(INTEG_BIN:$(B)/%=%) $(TEST_SH) $(RELEASE_SH) $(CTIME_SH)

# tests/suite-times/<build>: the durations run.sh orders suites by (longest
# first) when build/<build>/.suite-times is missing (a clean clone). Refresh
# after a full `make test` / `make valgrind` run: make suite-times.
suite-times:
	$(Q)mkdir -p tests/suite-times && for b in asan debug; do \
	    [ -s build/$$b/.suite-times ] && cp build/$$b/.suite-times tests/suite-times/$$b; done; true

check: deps
	$(Q)$(MAKE) --no-print-directory gen
	$(Q)$(MAKE) $(PAR) --no-print-directory build-check-tests layering
	$(Q)$(TEST_ENV) MPC_TEST_ONLY="$(ONLY)" MPC_BIN=build/check/bin tests/run.sh build/check \
	    $(UNIT_BIN:$(B)/%=%) $(INTEG_BIN:$(B)/%=%) $(TEST_SH)

# --track-origins=yes finds the same errors, only says where an uninitialised
# value came from, and makes the run 1.5x slower (a DKLs keygen: 38 s -> 59 s):
# VALGRIND_ORIGINS=1 adds it, for a failing suite (make valgrind ONLY=...).
# tests/valgrind.supp: library internals only, each entry with its reason;
# tests/ctime/libsodium.supp: the ctime programs also run here and mark
# secrets, so libsodium's public result check is suppressed as in `make ctime`.
# Each suite is bounded by 1800 s (run.sh's default is 900): the slowest,
# test_dkls_reshare, is CPU-bound and shares the machine with the others.
VALGRIND_ORIGINS ?=
VALGRIND := valgrind --error-exitcode=42 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --quiet $(if $(VALGRIND_ORIGINS),--track-origins=yes) \
            --suppressions=tests/valgrind.supp --suppressions=tests/ctime/libsodium.supp
valgrind: deps
	$(Q)$(MAKE) $(PAR) --no-print-directory build-debug-tests
	$(Q)MPC_VALGRIND=1 MPC_TEST_ONLY="$(ONLY)" MPC_BIN=build/debug/bin RUNNER="$(VALGRIND)" \
	    MPC_TEST_TIMEOUT=$${MPC_TEST_TIMEOUT:-1800} tests/run.sh build/debug $(UNIT_BIN:$(B)/%=%)

# Constant-time suite: the ctime tests of an -O2 build (BUILD=ctime) under
# valgrind, where TSS_CLASSIFY marks secrets undefined (tss/ctime.h). `make
# test` runs it as the script suite tests/ctime/test_ctime_valgrind.sh.
CTIME_SRC  := $(sort $(wildcard tests/unit/tss/test_*ctime*.c))
CTIME_BIN  := $(patsubst %.c,build/ctime/%,$(CTIME_SRC))
CTIME_SH   := tests/ctime/test_ctime_valgrind.sh
ctime-bins: $(CTIME_BIN)
ctime: deps
	$(Q)$(MAKE) $(PAR) --no-print-directory BUILD=ctime ctime-bins
	$(Q)tests/run.sh build/ctime $(CTIME_SH)

# Threaded tests only: ThreadSanitizer is slow on the pure-crypto suites.
# Each suite is bounded by 1800 s, as under valgrind (test_manager: 200
# five-party sessions took 734 s under tsan at a load of 80 on 2 cores).
# die_after_fork=0: test_faults forks a child that must die by the fault it
# injects, and that child starts a cluster's threads (tsan would exit first).
# node/: the resolver (test_keyconfirm, test_keyconfirm_serve), its due-time queue
# (test_duequeue), retry, keystate threads and the watchdog.
TSAN_TESTS ?= $(filter tests/unit/common/test_log tests/unit/common/test_secmem_pool \
               tests/unit/transport/% tests/unit/session/% tests/unit/node/test_keyconfirm \
               tests/unit/node/test_keyconfirm_serve tests/unit/node/test_duequeue \
               tests/unit/node/test_retry tests/unit/node/test_keystate \
               tests/unit/node/test_keystate_node tests/unit/node/test_watchdog,$(UNIT_BIN:$(B)/%=%))
tsan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=tsan $(addprefix build/tsan/,$(TSAN_TESTS))
	$(Q)TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 die_after_fork=0" MPC_TSAN=1 \
	    MPC_TEST_ONLY="$(ONLY)" MPC_TEST_TIMEOUT=$${MPC_TEST_TIMEOUT:-1800} \
	    tests/run.sh build/tsan $(TSAN_TESTS)

# make fuzz: every harness for FUZZ_SECONDS each (execs printed per harness);
# make fuzz-smoke: every harness over its committed seeds only (seconds);
# make fuzz-seeds: regenerate tests/fuzz/corpus/ from the harnesses' generators.
# FUZZ=<harness> limits any of them to one harness (fuzz_envelope).
FUZZ_SECONDS ?= 60
fuzz-bins: deps
	$(Q)$(MAKE) --no-print-directory BUILD=fuzz $(FUZZ_BIN)
fuzz: fuzz-bins
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh fuzz $(FUZZ)
fuzz-smoke: fuzz-bins
	$(Q)tests/fuzz/run.sh smoke $(FUZZ)
fuzz-seeds: fuzz-bins
	$(Q)tests/fuzz/run.sh seeds $(FUZZ)

# The protocol harnesses' heap snapshots (tests/fuzz/support/fuzz_arena.h) take
# the allocator calls of the linked objects through the arena's wrappers.
FUZZ_WRAP := $(foreach f,malloc calloc realloc free strdup strndup mpc_secure_alloc mpc_secure_free,-Wl,--wrap=$(f))
# Keep the harness objects (pattern-rule intermediates) so relinking is incremental.
.SECONDARY: $(FUZZ_SUP_OBJ) $(patsubst %.c,build/fuzz/obj/%.o,$(FUZZ_SRC))
build/fuzz/tests/fuzz/%: build/fuzz/obj/tests/fuzz/%.o $(FUZZ_SUP_OBJ) $(LIBTSUP) $(LIBMPC)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(FUZZ_WRAP) -o $@ $< $(FUZZ_SUP_OBJ) $(LIBTSUP) $(LIBMPC) $(PKG_LIBS) $(TEST_LIBS)

# The whole include graph against every arrow of DESIGN §1 (tests/layering.py:
# rules, the allow-list of arrows kept on purpose, and a self-test that plants
# one violation per rule). Prints each violating include as file:line.
layering:
	$(Q)python3 tests/layering.py --self-test >/dev/null || python3 tests/layering.py --self-test
	$(Q)python3 tests/layering.py

# ---------------------------------------------------------------- style
FMT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FMT_SRC)
format-check:
	$(Q)clang-format --dry-run --Werror $(FMT_SRC)
# System headers are not read (missingIncludeSystem), so the version checks of
# the generated protobuf-c headers and tss/secp_mod.h's GMP limb check see
# their macros undefined and take the #error branch: suppressed there only.
lint: gen
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --inline-suppr --suppress=missingIncludeSystem \
	    --suppress='preprocessorErrorDirective:$(GEN)/proto/*.pb-c.h' \
	    --suppress=preprocessorErrorDirective:tss/secp_mod.h \
	    -I. -I$(GEN) -D_GNU_SOURCE $(MODULES)

clean:
	rm -rf build

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

-include $(LIB_OBJ:.o=.d) $(TSUP_OBJ:.o=.d) $(patsubst %.c,$(B)/obj/%.d,$(UNIT_SRC) $(INTEG_SRC) $(PROG_SRC))
