# gpuvplan: plain Makefile. `make run` and `make check` are the two set-up commands.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=

CC      ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -pedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wwrite-strings -Wvla
ifeq ($(WERROR),1)
WARN    += -Werror
endif

DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags yaml-0.1 2>/dev/null)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

BUILD   ?= build
BIN     ?= gpuvplan
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -pthread -Iinclude -Isrc -Isrc/cli $(WARN) $(DEPS_CFLAGS) \
              $(CFLAGS) -MMD -MP

# The core (src/*.c: pure, no printing, no files) and the command line (src/cli/*.c).
LIB_SRC   := $(wildcard src/*.c) $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/embedded.o $(BUILD)/obj/dbdata.o \
             $(BUILD)/obj/schema.o
EMBED_IN  := $(sort $(wildcard profiles/*.yaml profiles/gpus/*.yaml))
TESTS     := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BENCHES   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/replay_%,$(FUZZ_SRC))

.PHONY: FORCE check-build all deps deps-test run examples check unit cli fuzz-replay browser \
        report-screenshot san tsan memcheck bench fuzz install uninstall clean format

all: $(BIN)

deps:
	@sh scripts/deps.sh

deps-test:
	@sh scripts/deps.sh --test

$(BIN): $(BUILD)/obj/cli/main.o $(BUILD)/libgpuvplan.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DEPS_LIBS) $(LDFLAGS) -lm

$(BUILD)/libgpuvplan.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: src/%.c | $(BUILD)/obj
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The build commit and the database date for --version, rewritten only when they change.
$(BUILD)/obj/cli/main.o: $(BUILD)/version.h
$(BUILD)/obj/cli/main.o: ALL_CFLAGS += -include $(BUILD)/version.h
$(BUILD)/version.h: FORCE | $(BUILD)
	@c=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	 d=$$(git log -1 --format=%cs -- profiles 2>/dev/null); \
	 printf '#define GPUVPLAN_COMMIT "%s"\n#define GPUVPLAN_DB_DATE "%s"\n' \
	     "$${c:-unknown}" "$${d:-unknown}" >$@.new; \
	 if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

FORCE:

$(BUILD)/obj/embedded.o: $(BUILD)/embedded.c | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/embedded.c: $(BUILD)/embed $(EMBED_IN)
	$(BUILD)/embed $@ $(EMBED_IN)

# The models parsed at build time into static data (tools/dbgen.c), so start-up parses no YAML.
$(BUILD)/obj/dbdata.o: $(BUILD)/dbdata.c | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/dbdata.c: $(BUILD)/dbgen
	$(BUILD)/dbgen $@

# Linked with the library without its compiled models (an archive, so only what the loader uses).
$(BUILD)/dbgen: tools/dbgen.c $(BUILD)/dbgen.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DEPS_LIBS) $(LDFLAGS) -lm

$(BUILD)/dbgen.a: $(filter-out $(BUILD)/obj/dbdata.o,$(LIB_OBJ))
	@rm -f $@
	$(AR) rcs $@ $^

# docs/plan.schema.json for `check` (src/plan_schema.c): the embed tool's table, renamed.
$(BUILD)/obj/schema.o: $(BUILD)/schema.c | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -Dgpv_embedded_files=gpv_schema_files -Dgpv_embedded_count=gpv_schema_count \
	    -Dgpv_embedded_find=gpv_schema_find -c -o $@ $<

$(BUILD)/schema.c: $(BUILD)/embed docs/plan.schema.json
	$(BUILD)/embed $@ docs/plan.schema.json

$(BUILD)/embed: tools/embed.c | $(BUILD)
	$(CC) -std=c11 -O1 $(WARN) -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libgpuvplan.a | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(BUILD)/libgpuvplan.a $(DEPS_LIBS) $(TEST_LIBS) \
	    $(LDFLAGS) -lm

$(BUILD)/bench/%: bench/%.c $(BUILD)/libgpuvplan.a | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libgpuvplan.a $(DEPS_LIBS) $(LDFLAGS) -lm

$(BUILD)/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libgpuvplan.a | $(BUILD)/fuzz
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libgpuvplan.a $(DEPS_LIBS) \
	    $(LDFLAGS) -lm

$(BUILD) $(BUILD)/obj $(BUILD)/tests $(BUILD)/bench $(BUILD)/fuzz:
	@mkdir -p $@

run: deps
	@$(MAKE) --no-print-directory all
	./gpuvplan recommend docs/examples/tenants.yaml

# The bundled example's plan and exported files, docs/examples (make check fails on drift).
examples: all
	@sh scripts/examples.sh $(BIN) docs/examples

# One line per suite and the totals; a failing suite's full log (build/check/SUITE.log).
check: deps-test
	@sh scripts/check.sh "$(MAKE)"

check-build: all $(TESTS) $(FUZZ_REPLAY)

unit: $(TESTS)
	@sh tests/run-unit.sh $(TESTS)

cli: $(BIN) $(BUILD)/failmalloc.so
	@FAILMALLOC=$(abspath $(BUILD)/failmalloc.so) sh tests/cli/run.sh $(BIN)

# The allocation fault injector of tests/cli/test_oom.sh: plain flags, never a sanitizer.
$(BUILD)/failmalloc.so: tests/oom/failmalloc.c | $(BUILD)
	$(CC) -shared -fPIC -O1 -Wall -Wextra -o $@ $<

# Headless Chromium renders report pages (tests/report/browser.sh; skipped without chromium).
# The screenshots stay in $(BUILD)/report.
browser: $(BIN)
	@sh tests/report/browser.sh $(BIN) $(BUILD)/report

# The screenshots in docs/report.md and docs/diff.md, from the example plan and a change to it.
report-screenshot: $(BIN)
	@sh tests/report/browser.sh $(BIN) $(BUILD)/report docs/report-example.png docs/diff-example.png

fuzz-replay: $(FUZZ_REPLAY)
	@for r in $(FUZZ_REPLAY); do \
	    n=$${r##*/replay_fuzz_}; $$r tests/fuzz/corpus/$$n tests/data || exit 1; done

# ASan + UBSan build of everything, running the whole test suite.
san: deps-test
	@$(MAKE) --no-print-directory BUILD=build/san BIN=build/san/gpuvplan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" all unit fuzz-replay cli

# recommend --from reads CURRENT on a second thread: the CLI tests that run it, under
# ThreadSanitizer.
TSAN_CLI := test_incremental.sh test_sharing.sh test_sharing_mig.sh test_split.sh test_audit.sh
tsan: deps-test
	@$(MAKE) --no-print-directory BUILD=build/tsan BIN=build/tsan/gpuvplan \
	    CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" all
	@TSAN_OPTIONS="halt_on_error=1" CLI_ONLY="$(TSAN_CLI)" sh tests/cli/run.sh build/tsan/gpuvplan

# The bundled examples and every bad input under valgrind: no memory errors, no leaks.
memcheck: all
	@sh tests/memcheck.sh $(BIN)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@sh bench/run.sh
	@BIN=$(BIN) sh bench/worst.sh

# libFuzzer targets (clang): make fuzz FUZZ_TARGET=fuzz_tenants
fuzz: deps
	@sh tests/fuzz/build.sh

# Shell completions, generated by the binary from its option tables.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/gpuvplan
	install -m 644 docs/gpuvplan.1 $(DESTDIR)$(MANDIR)/man1/gpuvplan.1
	$(abspath $(BIN)) completion bash -o $(DESTDIR)$(BASHCOMPDIR)/gpuvplan
	$(abspath $(BIN)) completion zsh -o $(DESTDIR)$(ZSHCOMPDIR)/_gpuvplan
	$(abspath $(BIN)) completion fish -o $(DESTDIR)$(FISHCOMPDIR)/gpuvplan.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gpuvplan $(DESTDIR)$(MANDIR)/man1/gpuvplan.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/gpuvplan $(DESTDIR)$(ZSHCOMPDIR)/_gpuvplan \
	    $(DESTDIR)$(FISHCOMPDIR)/gpuvplan.fish

format:
	clang-format -i src/*.c src/*.h src/cli/*.c src/cli/*.h include/gpuvplan/*.h tests/unit/*.c tests/unit/*.h \
	    tests/fuzz/*.c bench/*.c bench/*.h tools/*.c

clean:
	rm -rf $(BUILD) $(BIN)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/cli/*.d $(BUILD)/tests/*.d)
