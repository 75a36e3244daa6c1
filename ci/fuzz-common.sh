# ci/fuzz-common.sh: what ci/fuzz and ci/fuzz-speed share (sourced, not run):
# the flags a target is fuzzed with, the sanitizers' run-time options and how a
# fuzz build is configured. The caller sets `targets` (what to build) and
# `build_jobs`.

# Per-target inputs limits: reassembly_diff inputs are traces; a shorter trace
# runs faster and still reaches every rule. 256 octets is about 25 records
# (1024 ran at about a third of the execs/s: fuzz/README.md "Speed").
max_len_of() {
  case "$1" in
    reassembly_diff) echo 256 ;;
    fragment_roundtrip) echo 16 ;;
    *) echo 4096 ;;
  esac
}

# The flags every libFuzzer run of a target gets, besides its time budget.
libfuzzer_flags_of() {  # target -> one flag per line
  printf '%s\n' -max_len="$(max_len_of "$1")" -timeout=20 -rss_limit_mb=2560
  [[ -f "fuzz/$1.dict" ]] && printf '%s\n' -dict="fuzz/$1.dict"
  return 0
}

# A value from libFuzzer's -print_final_stats block ("stat::NAME: VALUE") in a
# log; empty when the log has none.
libfuzzer_stat() {  # log name
  grep -aoE "stat::$2: *[0-9]+" "$1" | grep -oE '[0-9]+$' | tail -n 1 || true
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

configure_fuzz_build() {  # dir compiler extra-cmake-args...
  local dir="$1" cxx="$2"; shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" \
    -DIP4REF_BUILD_TESTS=OFF -DIP4REF_BUILD_PROPS=OFF -DIP4REF_BUILD_TOOLS=OFF \
    -DIP4REF_BUILD_BENCH=OFF -DIP4REF_BUILD_ADAPTERS=OFF -DIP4REF_BUILD_FUZZ=ON \
    "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" --parallel "$build_jobs" --target "${targets[@]}"
}

# A libFuzzer build with clang++-14; the caller adds its sanitizers
# (-DIP4REF_SANITIZE=address,undefined in ci/fuzz).
configure_libfuzzer_build() {  # dir [extra-cmake-args...]
  local dir="$1"; shift
  configure_fuzz_build "$dir" clang++-14 -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
    -DIP4REF_FUZZ_ENGINE=libfuzzer "$@"
}
