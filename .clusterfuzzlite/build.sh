#!/bin/bash -eu
# .clusterfuzzlite/build.sh: builds ip4ref's fuzz targets for ClusterFuzzLite /
# OSS-Fuzz with the variables the platform sets (its `compile` script runs
# `bash -eux $SRC/build.sh`):
#   $CXX $CXXFLAGS               compiler and flags: -O1 -gline-tables-only, the
#                                sanitizer's flags and the engine's coverage flags
#                                (-fsanitize=fuzzer-no-link for libFuzzer)
#   $CC $CFLAGS                  accepted; ip4ref is C++ only (project(... CXX)), so unused
#   $LIB_FUZZING_ENGINE          link flags of the fuzzing engine (-fsanitize=fuzzer,
#                                or a path such as /usr/lib/libFuzzingEngine.a for AFL++)
#   $SRC                         where the sources are ($SRC/ip4ref in the image)
#   $OUT                         where binaries, dictionaries, options and seed corpora go
#   $WORK                        scratch space (optional; a temporary directory otherwise)
# ci/clusterfuzzlite-check runs this script locally with the variables set as
# OSS-Fuzz's base-builder sets them, then checks and runs what lands in $OUT
# (fuzz/README.md, "ClusterFuzzLite and OSS-Fuzz").

: "${CXX:?build.sh: \$CXX is not set (OSS-Fuzz sets it; locally e.g. CXX=clang++-14)}"
: "${CXXFLAGS?build.sh: \$CXXFLAGS is not set (may be empty, must be set)}"
: "${LIB_FUZZING_ENGINE:?build.sh: \$LIB_FUZZING_ENGINE is not set (e.g. -fsanitize=fuzzer)}"
: "${OUT:?build.sh: \$OUT is not set (where the fuzz targets go)}"

targets=(reassembly_diff fragment_roundtrip header_parse pcap_reader stack)

# The source tree: next to this script when run from a checkout, else under $SRC
# (the Dockerfile copies the checkout to $SRC/ip4ref and this script to $SRC/).
src=""
for candidate in "${IP4REF_SRC:-}" "$(cd "$(dirname "$0")/.." && pwd)" "${SRC:-}/ip4ref" "${SRC:-}"; do
  if [[ -n "$candidate" && -f "$candidate/fuzz/trace.h" ]]; then
    src="$candidate"
    break
  fi
done
[[ -n "$src" ]] || { echo "build.sh: no ip4ref source tree found (looked beside the script, in \$IP4REF_SRC and under \$SRC)" >&2; exit 1; }

work="${WORK:-$(mktemp -d)}/ip4ref-build"
mkdir -p "$OUT"

# Build type None (no flags of its own; an empty type would become the
# project's default RelWithDebInfo): the platform's $CXXFLAGS decide
# optimisation and debug info (Release would append -O3 -DNDEBUG, overriding
# -O1 and removing our own invariant asserts). No -Werror: the platform's
# compiler may be newer.
#
# Runtime libraries: packages the Dockerfile installs are NOT on the machines
# that run the targets; only $OUT is (https://google.github.io/oss-fuzz/further-reading/fuzzer-environment/:
# "Packages that are installed via Dockerfile or built as part of build.sh are
# not available on the bot runtime environment"; shared objects work "if
# [they] are included in the $OUT directory and are loaded relative to
# '$ORIGIN'"). So:
# - CMAKE_DISABLE_FIND_PACKAGE_PkgConfig keeps libpcap out of the library (its
#   PcapLink live-capture link is not fuzzed; the stub says why if opened):
#   four of the five targets need nothing beyond libc and the C++ runtime;
# - pcap_reader fuzzes the replay tool's libpcap-based reader, so it links
#   libpcap (replay/CMakeLists.txt finds it with find_library); it and every
#   library it pulls in are copied to $OUT/lib below, found through the
#   binary's RPATH $ORIGIN/lib. An old-style DT_RPATH (--disable-new-dtags),
#   not DT_RUNPATH: the loader applies an executable's RUNPATH to its direct
#   dependencies only, so libpcap's own (libdbus-1, ...) would be looked for
#   in the system directories, which on the runner lack them (ld.so(8)).
cmake -S "$src" -B "$work" -G Ninja \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_RPATH='$ORIGIN/lib' -DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags \
  -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON \
  -DIP4REF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DIP4REF_BUILD_FUZZ=ON -DIP4REF_BUILD_TESTS=OFF -DIP4REF_BUILD_PROPS=OFF \
  -DIP4REF_BUILD_TOOLS=OFF -DIP4REF_BUILD_BENCH=OFF -DIP4REF_BUILD_ADAPTERS=OFF \
  -DIP4REF_WERROR=OFF
cmake --build "$work" --parallel "${IP4REF_BUILD_JOBS:-$(nproc)}" --target "${targets[@]}"

# Shared libraries the runner may lack: everything but the C library, the
# dynamic loader and the C++ runtime (the libraries every Ubuntu base image has).
base_library() {
  [[ "$1" =~ ^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libresolv|libstdc\+\+|libgcc_s|libc\+\+|libc\+\+abi|libunwind)\.so ]]
}
copy_runtime_libraries() {  # binary
  local line name path
  while read -r line; do
    name="${line%% *}"
    base_library "$name" && continue
    path="$(awk '{print $3}' <<<"$line")"
    if [[ "$line" == *"not found"* || ! -f "$path" ]]; then
      echo "build.sh: $1 needs $name, which the build machine cannot resolve" >&2
      return 1
    fi
    mkdir -p "$OUT/lib"
    cp -L "$path" "$OUT/lib/$name"
  done < <(ldd "$1" | sed -n 's/^[[:space:]]*\([^[:space:]]*\.so[^[:space:]]*\) => \(.*\)$/\1 => \2/p')
}

for t in "${targets[@]}"; do
  [[ -x "$work/fuzz/$t" ]] || { echo "build.sh: the build made no $work/fuzz/$t" >&2; exit 1; }
  cp "$work/fuzz/$t" "$OUT/$t"
  copy_runtime_libraries "$OUT/$t"

  # <target>.options: what ClusterFuzz passes to libFuzzer (dictionary, input
  # size limit; the same limits ci/fuzz uses).
  options="[libfuzzer]"
  if [[ -f "$src/fuzz/$t.dict" ]]; then
    cp "$src/fuzz/$t.dict" "$OUT/$t.dict"
    options+=$'\n'"dict = $t.dict"
  fi
  case "$t" in
    reassembly_diff) options+=$'\n'"max_len = 1024" ;;
    fragment_roundtrip) options+=$'\n'"max_len = 16" ;;  # kRoundtripInputSize
  esac
  printf '%s\n' "$options" >"$OUT/$t.options"

  # Seed corpus: corpus/<target>/ plus this target's saved regressions, minus
  # the notes beside them (the same files fuzz/run_corpus.cmake runs).
  rm -f "$OUT/${t}_seed_corpus.zip"
  shopt -s nullglob
  seeds=()
  for f in "$src/corpus/$t"/* "$src/corpus/regressions/$t"-*; do
    name="${f##*/}"
    [[ "$name" == .* || "$name" =~ \.(txt|md|pcap|json)$ ]] || seeds+=("$f")
  done
  shopt -u nullglob
  if ((${#seeds[@]})); then
    zip -q -j "$OUT/${t}_seed_corpus.zip" "${seeds[@]}"
  fi
done
echo "build.sh: built ${targets[*]} into $OUT"
