#!/bin/bash -eu
# .clusterfuzzlite/build.sh: builds ip4ref's fuzz targets for ClusterFuzzLite /
# OSS-Fuzz with the variables the platform sets:
#   $CC $CXX $CFLAGS $CXXFLAGS   compilers and flags (sanitizer + coverage instrumentation)
#   $LIB_FUZZING_ENGINE          link flags of the fuzzing engine (libFuzzer, AFL++ driver, ...)
#   $SRC                         where the sources are ($SRC/ip4ref in the image)
#   $OUT                         where binaries, dictionaries, options and seed corpora go
#   $WORK                        scratch space (optional; a temporary directory otherwise)
# Locally, e.g.:
#   CC=clang-14 CXX=clang++-14 CFLAGS=-fsanitize=address,fuzzer-no-link \
#   CXXFLAGS=-fsanitize=address,fuzzer-no-link LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   OUT=/tmp/out SRC=/work .clusterfuzzlite/build.sh

targets=(reassembly_diff fragment_roundtrip header_parse pcap_reader stack)

# The source tree: next to this script when run from a checkout, else under $SRC.
src=""
for candidate in "${IP4REF_SRC:-}" "$(cd "$(dirname "$0")/.." && pwd)" "$SRC/ip4ref" "$SRC/main" "$SRC"; do
  if [[ -n "$candidate" && -f "$candidate/fuzz/trace.h" ]]; then
    src="$candidate"
    break
  fi
done
[[ -n "$src" ]] || { echo "build.sh: no ip4ref source tree found (looked beside the script and under \$SRC)" >&2; exit 1; }

work="${WORK:-$(mktemp -d)}/ip4ref-build"
mkdir -p "$OUT"

# The whole library gets $CXXFLAGS (instrumentation); only the targets are
# linked with the engine. No -Werror: the platform's compiler may be newer.
cmake -S "$src" -B "$work" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DIP4REF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DIP4REF_BUILD_FUZZ=ON -DIP4REF_BUILD_TESTS=OFF -DIP4REF_BUILD_PROPS=OFF \
  -DIP4REF_BUILD_TOOLS=OFF -DIP4REF_BUILD_BENCH=OFF -DIP4REF_BUILD_ADAPTERS=OFF \
  -DIP4REF_WERROR=OFF
cmake --build "$work" --parallel "$(nproc)" --target "${targets[@]}"

for t in "${targets[@]}"; do
  cp "$work/fuzz/$t" "$OUT/$t"
  options="[libfuzzer]"
  if [[ -f "$src/fuzz/$t.dict" ]]; then
    cp "$src/fuzz/$t.dict" "$OUT/$t.dict"
    options+=$'\n'"dict = $t.dict"
  fi
  case "$t" in
    reassembly_diff) options+=$'\n'"max_len = 1024" ;;
    fragment_roundtrip) options+=$'\n'"max_len = 16" ;;
  esac
  printf '%s\n' "$options" >"$OUT/$t.options"
  # Seed corpus: corpus/<target>/ plus this target's saved regressions.
  rm -f "$OUT/${t}_seed_corpus.zip"
  shopt -s nullglob
  seeds=("$src/corpus/$t"/*)
  for r in "$src/corpus/regressions/$t"-*; do
    [[ "$r" == *.txt || "$r" == *.pcap ]] || seeds+=("$r")
  done
  shopt -u nullglob
  if ((${#seeds[@]})); then
    zip -q -j "$OUT/${t}_seed_corpus.zip" "${seeds[@]}"
  fi
done
echo "build.sh: built ${targets[*]} into $OUT"
