#!/bin/sh
# Builds the libFuzzer targets with clang: build/fuzz-lf/fuzz_<name>. Run one with
#   build/fuzz-lf/fuzz_profiles -max_total_time=60 tests/fuzz/corpus/profiles
set -eu
CC=${CC_FUZZ:-clang}
out=build/fuzz-lf
mkdir -p "$out"
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -Isrc/cli $(pkg-config --cflags yaml-0.1)"
make --no-print-directory BUILD="$out/lib" CC="$CC" CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" \
    "$out/lib/libgpuvplan.a" >/dev/null
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    $CC $flags -o "$out/$name" "$src" "$out/lib/libgpuvplan.a" $(pkg-config --libs yaml-0.1) -lm
    echo "built $out/$name"
done
