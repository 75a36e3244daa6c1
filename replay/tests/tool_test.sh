#!/usr/bin/env bash
# tool_test.sh: end-to-end tests of the `ip4ref` command (ctest label `tool`).
# Usage: tool_test.sh CASE IP4REF MAKE_CAPTURE     (CASE: see the case_* functions)
# Exit 0 pass, 1 fail, 77 skip (a tool this case needs is missing; said why).
set -uo pipefail

case_name="$1"
IP4REF="$2"
MK="$3"
T="$(mktemp -d "${TMPDIR:-/tmp}/ip4ref-tool-test.XXXXXX")"
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
START=1700000000000000000  # make_capture's first timestamp, ns

# The system interpreter starts much faster than a version-manager shim.
PY="$(command -v /usr/bin/python3 || command -v python3 || true)"

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
skip() { echo "SKIP [$case_name]: $*" >&2; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (${2:-})"; }

# run RC CMD...: runs CMD with stdout in $T/out, stderr in $T/err; checks the exit code.
run() {
  local want="$1"; shift
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [[ "$rc" != "$want" ]]; then
    echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
    fail "exit $rc, wanted $want: $*"
  fi
}

# j EXPR [FILE]: a value from a JSON file ($T/out by default), Python syntax on d.
j() {
  [[ -n "$PY" ]] || skip "python3 is not installed (needed to read --json output)"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[2])); v=eval(sys.argv[1]); print(json.dumps(v, sort_keys=True) if isinstance(v,(dict,list,bool)) or v is None else v)' \
    "$1" "${2:-$T/out}"
}

# eq ACTUAL WANTED WHAT
eq() { [[ "$1" == "$2" ]] || fail "$3: got '$1', wanted '$2'"; }

# one_error_line FILE NEEDLE...: stderr is exactly one line naming FILE and each NEEDLE.
one_error_line() {
  local file="$1"; shift
  [[ $(wc -l <"$T/err") == 1 ]] || { cat "$T/err"; fail "stderr is not exactly one line"; }
  grep -qF -- "$file" "$T/err" || fail "error does not name $file: $(cat "$T/err")"
  for needle in "$@"; do
    grep -qF -- "$needle" "$T/err" || fail "error lacks '$needle': $(cat "$T/err")"
  done
}

# bad_input FILE NEEDLE...: replay, diff and fragment all refuse FILE with exit 2.
bad_input() {
  local file="$1"; shift
  run 2 "$IP4REF" replay "$file"; one_error_line "$file" "$@"
  run 2 "$IP4REF" fragment "$file" --mtu 576 --out "$T/frag.pcap"; one_error_line "$file" "$@"
  run 2 "$IP4REF" diff "$file" "$file"; one_error_line "$file" "$@"
}

# poke FILE OFFSET HEX...: overwrites octets of FILE at OFFSET.
poke() {
  local file="$1" offset="$2"; shift 2
  printf "$(printf '\\x%s' "$@")" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}

# fragmented CAPTURE OUT [fragment args...]: OUT = fragment trains of CAPTURE.
fragmented() {
  local in="$1" out="$2"; shift 2
  "$IP4REF" fragment "$in" --out "$out" --quiet "$@" || fail "fragment $* failed"
}

# ----------------------------------------------------------------- usage
case_usage() {
  "$MK" "$T/a.pcap" --count 2
  run 2 "$IP4REF"
  run 2 "$IP4REF" frobnicate
  run 2 "$IP4REF" replay
  run 2 "$IP4REF" replay "$T/a.pcap" --bogus
  run 2 "$IP4REF" replay "$T/a.pcap" --policy plan9; grep -q "unknown policy" "$T/err" || fail "policy message"
  run 2 "$IP4REF" replay "$T/a.pcap" --engine nope; grep -q "unknown engine" "$T/err" || fail "engine message"
  run 2 "$IP4REF" replay "$T/a.pcap" --memory 1M,2M
  run 2 "$IP4REF" replay "$T/a.pcap" --timeout -1
  run 2 "$IP4REF" replay "$T/a.pcap" --compare nope
  run 2 "$IP4REF" fragment "$T/a.pcap" --mtu 20 --out "$T/f.pcap"
  run 2 "$IP4REF" fragment "$T/a.pcap" --mtu 576 --out "$T/f.pcap" --overlap sideways
  run 2 "$IP4REF" fragment "$T/a.pcap" --mtu 576 --out "$T/f.pcap" --duplicate 2
  run 2 "$IP4REF" diff "$T/a.pcap"
}

case_help_every_command() {
  for cmd in "" replay diff fragment convert "convert trace-to-pcap" "convert pcap-to-trace" tun; do
    run 0 "$IP4REF" $cmd --help
    grep -q "Usage" "$T/out" || fail "'ip4ref $cmd --help' prints no usage"
  done
}

# ----------------------------------------------------------------- link types
# 20 frames, every 5th IPv6: 16 IPv4 datagrams delivered, 4 skipped.
link_case() {
  "$MK" "$T/l.pcap" --link "$1" --count 20 --other-every 5 --size 300 || fail "make_capture"
  run 0 "$IP4REF" replay "$T/l.pcap" --json
  eq "$(j 'd["packets"]')" 20 packets
  eq "$(j 'd["unfragmented"]')" 16 unfragmented
  if [[ "$1" == ipv4 ]]; then  # LINKTYPE_IPV4 says IPv4: the IPv6 stubs are bad IPv4
    eq "$(j 'd["dropped"]')" '{"bad-version": 4}' dropped
  else
    eq "$(j 'd["non_ipv4"]')" 4 non_ipv4
    eq "$(j 'd["dropped"]')" '{}' dropped
  fi
}
case_link_ethernet() { link_case ethernet; }
case_link_vlan() { link_case vlan; }
case_link_qinq() { link_case qinq; }
case_link_sll() { link_case sll; }
case_link_sll2() { link_case sll2; }
case_link_raw() { link_case raw; }
case_link_ipv4() { link_case ipv4; }
case_link_null_le() { link_case null-le; }
case_link_null_be() { link_case null-be; }
case_link_loop_le() { link_case loop-le; }
case_link_loop_be() { link_case loop-be; }

# ----------------------------------------------------------------- timestamps
# 3 packets 1234 ns apart: the last is START + 2468 ns (START + 2000 in µs files).
timestamp_case() {
  local want="$1"; shift
  "$MK" "$T/t.pcap" --count 3 --gap-ns 1234 "$@" || fail "make_capture"
  run 0 "$IP4REF" replay "$T/t.pcap" --json
  eq "$(j 'd["first_timestamp_ns"]')" "$START" first_timestamp_ns
  eq "$(j 'd["clock_ns"]')" "$((START + want))" clock_ns
  eq "$(j 'd["unfragmented"]')" 3 unfragmented
}
case_micro_timestamps() { timestamp_case 2000; }
case_nano_timestamps() { timestamp_case 2468 --nano; }
case_pcapng_micro() { timestamp_case 2000 --pcapng --link ethernet; }
case_pcapng_nano() { timestamp_case 2468 --pcapng --nano --link sll2; }

case_pcapng_editcap() {
  need editcap "Debian package wireshark-common / tshark"
  "$MK" "$T/a.pcap" --count 30 --size 3000 --link vlan --nano
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1000 --order random
  editcap -F pcapng "$T/f.pcap" "$T/f.pcapng" || fail editcap
  run 0 "$IP4REF" replay "$T/f.pcapng" --json --out "$T/o.pcap"
  eq "$(j 'd["datagrams_rebuilt"]')" 30 datagrams_rebuilt
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
}

# libpcap is loaded when first needed (replay/libpcap_on_demand.cpp): not a
# start-up dependency of the tool, yet pcapng (read by libpcap), --out and
# --json (the link type's name) still work, from the same process.
case_libpcap_on_demand() {
  need readelf "Debian package binutils"
  need nm "Debian package binutils"
  local symbols; symbols="$(nm "$IP4REF" 2>/dev/null)"
  grep -q ' T pcap_close$' <<<"$symbols" ||
    skip "this build links libpcap as usual (replay/CMakeLists.txt found no soname)"
  local needed; needed="$(readelf -d "$IP4REF" | grep NEEDED)"
  grep -q libpcap <<<"$needed" &&
    fail "libpcap is a start-up dependency (a libpcap function missing from libpcap_on_demand.cpp?): $needed"
  "$MK" "$T/a.pcap" --count 5 --size 3000 --link sll2 --pcapng || fail "make_capture"
  run 0 "$IP4REF" replay "$T/a.pcap" --json --out "$T/o.pcap"
  eq "$(j 'd["link_type"]')" LINUX_SLL2 link_type
  eq "$(j 'd["output"]["written"]')" 5 written
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
}

# ----------------------------------------------------------------- bad input
case_bad_missing() { bad_input "$T/does-not-exist.pcap" "cannot open"; }
case_bad_directory() { mkdir "$T/dir.pcap"; bad_input "$T/dir.pcap" "directory"; }
case_bad_empty() { : >"$T/empty.pcap"; bad_input "$T/empty.pcap" "byte offset 0"; }
case_bad_magic() {
  head -c 200 /dev/urandom >"$T/junk.pcap"; poke "$T/junk.pcap" 0 00 11 22 33
  bad_input "$T/junk.pcap" "byte offset 0"
}
case_bad_truncated_header() {
  "$MK" "$T/a.pcap" --count 3; head -c 10 "$T/a.pcap" >"$T/cut.pcap"
  bad_input "$T/cut.pcap" "byte offset 0" "truncated"
}
case_bad_truncated_record() {
  "$MK" "$T/a.pcap" --count 3 --size 100   # 24 + 3 * (16 + 128) octets
  head -c $((24 + 2 * 144 + 20)) "$T/a.pcap" >"$T/cut.pcap"
  bad_input "$T/cut.pcap" "packet 3 at byte offset 312" "truncated"
  "$MK" "$T/b.pcapng" --count 3 --size 100 --pcapng
  head -c $(($(stat -c %s "$T/b.pcapng") - 7)) "$T/b.pcapng" >"$T/cut.pcapng"
  bad_input "$T/cut.pcapng" "packet 3 at byte offset"
}
case_bad_record_too_large() {
  "$MK" "$T/a.pcap" --count 3 --size 100
  poke "$T/a.pcap" 32 ff ff ff 7f   # first record's caplen: 2 GiB
  bad_input "$T/a.pcap" "packet 1 at byte offset 24"
}
case_bad_record_past_end() {
  "$MK" "$T/a.pcap" --count 3 --size 100
  poke "$T/a.pcap" $((24 + 2 * 144 + 8)) 60 ea 00 00 60 ea 00 00  # caplen = len = 60000
  bad_input "$T/a.pcap" "packet 3 at byte offset 312"
}
case_bad_link_type() {
  "$MK" "$T/a.pcap" --count 3
  poke "$T/a.pcap" 20 69 00 00 00   # LINKTYPE_IEEE802_11 (105)
  bad_input "$T/a.pcap" "byte offset 20" "unsupported link type 105"
}
case_bad_unreadable() {
  "$MK" "$T/a.pcap" --count 3; chmod 000 "$T/a.pcap"
  [[ -r "$T/a.pcap" ]] && skip "running as root: a mode 000 file is still readable"
  bad_input "$T/a.pcap" "cannot open"
}
case_bad_output() {
  "$MK" "$T/a.pcap" --count 3
  run 2 "$IP4REF" replay "$T/a.pcap" --out "$T/no/such/dir/o.pcap"
  one_error_line "$T/no/such/dir/o.pcap" "cannot write"
  run 2 "$IP4REF" fragment "$T/a.pcap" --mtu 576 --out "$T/no/such/dir/o.pcap"
  one_error_line "$T/no/such/dir/o.pcap"
}

# ----------------------------------------------------------------- replay
case_broken_packets_counted() {
  "$MK" "$T/a.pcap" --count 10 --corrupt --link ethernet
  run 0 "$IP4REF" replay "$T/a.pcap" --json
  eq "$(j 'd["dropped"]')" '{"bad-checksum": 2, "bad-header-length": 2, "bad-total-length": 2, "truncated": 2}' dropped
  eq "$(j 'd["unfragmented"]')" 2 unfragmented
}

case_clock_regressions() {
  "$MK" "$T/a.pcap" --count 5 --gap-ns -1000 --nano
  run 0 "$IP4REF" replay "$T/a.pcap" --json
  eq "$(j 'd["clock_regressions"]')" 4 clock_regressions
  eq "$(j 'd["clock_ns"]')" "$START" "clock never goes back"
}

case_json_schema() {
  "$MK" "$T/a.pcap" --count 20 --size 3000
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500 --duplicate 0.5
  run 0 "$IP4REF" replay "$T/f.pcap" --json --events --compare ref --out "$T/o.pcap"
  local top="schema input link_type engine config packets non_ipv4 link_truncated snapped ipv4
             fragments unfragmented datagrams_rebuilt delivered dropped discarded in_progress
             expired_at_end clock_regressions first_timestamp_ns clock_ns counters memory output
             compare events"
  local config="policy timeout_ns memory_high memory_low max_fragments_per_datagram max_datagrams
                strip_options"
  local counters="ReasmReqds ReasmOKs ReasmFails ReasmTimeout ReasmOverlaps Passthrough"
  eq "$(j "[k for k in '$(echo $top)'.split() if k not in d]")" "[]" "missing top-level keys"
  eq "$(j "[k for k in '$(echo $config)'.split() if k not in d['config']]")" "[]" "missing config keys"
  eq "$(j "[k for k in '$(echo $counters)'.split() if k not in d['counters']]")" "[]" "missing counters"
  eq "$(j "[k for k in 'peak_charge charge'.split() if k not in d['memory']]")" "[]" "memory keys"
  eq "$(j 'd["schema"]')" ip4ref-replay/1 schema
  eq "$(j 'd["datagrams_rebuilt"]')" 20 datagrams_rebuilt
  eq "$(j 'd["fragments"] == d["counters"]["ReasmReqds"]')" true "fragments == ReasmReqds"
  eq "$(j 'd["output"]["written"]')" 20 written
  eq "$(j 'd["compare"]["diverged"]')" false compare.diverged
  eq "$(j 'len(d["events"]) >= 20')" true events
  eq "$(j 'd["dropped"]["duplicate"] > 0')" true "duplicates dropped by name"
}

case_only_reassembled() {
  "$MK" "$T/a.pcap" --count 12 --size 2000 --df-every 3   # 4 DF datagrams stay whole
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500
  run 0 "$IP4REF" replay "$T/f.pcap" --json --out "$T/all.pcap"
  eq "$(j 'd["output"]["written"]')" 12 "written with unfragmented"
  run 0 "$IP4REF" replay "$T/f.pcap" --json --out "$T/re.pcap" --only-reassembled
  eq "$(j 'd["output"]["written"]')" 8 "written, only reassembled"
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/all.pcap"
}

# A mixed capture: every overlap kind, both orders, duplicates, tiny fragments.
mixed_capture() {
  "$MK" "$T/a.pcap" --count 40 --size 3000 --gap-ns 50000000
  local n=0
  for args in "--order inorder" "--order reverse" "--order random --seed 3 --duplicate 0.3" \
              "--overlap contained" "--overlap same-start" "--overlap same-end" \
              "--overlap exact" "--overlap partial-head" "--overlap partial-tail" \
              "--overlap novak" "--tiny --order random" "--overlap novak --order reverse"; do
    local name="m$n"
    [[ "$args" == *novak* ]] && name="m$n-novak"  # letters for data: transport headers are garbage
    fragmented "$T/a.pcap" "$T/$name.pcap" --mtu 1000 $args
    n=$((n + 1))
  done
}

compare_with() {
  local engine="$1"
  mixed_capture
  for f in "$T"/m*.pcap; do
    for policy in linux reject first last bsd linux-legacy windows solaris; do
      "$IP4REF" replay "$f" --policy "$policy" --compare "$engine" --quiet --timeout 1 \
        --expire-at-end >"$T/out" 2>"$T/err"
      case $? in
        0) ;;
        2) grep -q "unknown engine" "$T/err" && skip "engine '$engine' is not registered"
           cat "$T/err"; fail "bad input?" ;;
        *) cat "$T/err"; fail "ref vs $engine diverged on $(basename "$f") under $policy" ;;
      esac
    done
  done
}
case_compare_identical() { compare_with ref; }
case_compare_engines() { compare_with fast; }

# ----------------------------------------------------------------- diff
case_diff_same() {
  "$MK" "$T/a.pcap" --count 10 --size 3000
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/a.pcap"
  grep -q "10 matched" "$T/err" || fail "summary"
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/a.pcap" --json
  eq "$(j 'd["same"]')" true same
}
case_diff_differs() {
  "$MK" "$T/a.pcap" --count 10 --size 3000
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500 --overlap contained
  run 0 "$IP4REF" replay "$T/f.pcap" --policy first --out "$T/first.pcap" --quiet
  run 0 "$IP4REF" replay "$T/f.pcap" --policy last --out "$T/last.pcap" --quiet
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/first.pcap"
  run 1 "$IP4REF" diff "$T/a.pcap" "$T/last.pcap"
  grep -q "^differs: 192.0.2.1>198.51.100.1 proto 17 id 0x0000" "$T/out" || fail "differs line"
  grep -q "first differing byte 28 (data +8)" "$T/out" || fail "first byte: $(cat "$T/out")"
  grep -q "expected 0x0008:" "$T/out" || fail "hex context"
  run 1 "$IP4REF" diff "$T/a.pcap" "$T/last.pcap" --json
  eq "$(j 'd["differ"]')" 10 differ
  eq "$(j 'len(d["reports"])')" 10 "reports (default --max-reports 10)"
}
case_diff_missing_extra() {
  "$MK" "$T/a.pcap" --count 10
  "$MK" "$T/b.pcap" --count 12
  run 1 "$IP4REF" diff "$T/a.pcap" "$T/b.pcap"
  eq "$(grep -c '^extra: ' "$T/out")" 2 "extra lines"
  run 1 "$IP4REF" diff "$T/b.pcap" "$T/a.pcap" --json
  eq "$(j 'd["missing"]')" 2 missing
  eq "$(j 'd["matched"]')" 10 matched
}
case_diff_repeated_keys() {
  "$MK" "$T/a.pcap" --count 6 --id-mod 2 --size 3000   # ids 0,1,0,1,0,1; data differs
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500 --order reverse
  run 0 "$IP4REF" replay "$T/f.pcap" --out "$T/o.pcap" --quiet
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
  "$MK" "$T/b.pcap" --count 4 --id-mod 2 --size 3000
  run 1 "$IP4REF" diff "$T/a.pcap" "$T/b.pcap" --json
  eq "$(j 'd["missing"]')" 2 "the 5th and 6th are missing"
  eq "$(j 'd["matched"]')" 4 matched
}
case_diff_bad_input() {
  "$MK" "$T/a.pcap" --count 2
  run 2 "$IP4REF" diff "$T/a.pcap" "$T/missing.pcap"; one_error_line "$T/missing.pcap"
  run 2 "$IP4REF" diff "$T" "$T/a.pcap"; one_error_line "$T" directory
}

# ----------------------------------------------------------------- fragment
case_fragment_roundtrip() {
  "$MK" "$T/a.pcap" --count 50 --size 4000 --link sll2
  for mtu in 68 576 1500 9000; do
    fragmented "$T/a.pcap" "$T/f.pcap" --mtu "$mtu"
    run 0 "$IP4REF" replay "$T/f.pcap" --out "$T/o.pcap" --json
    if ((mtu < 4028)); then
      eq "$(j 'd["datagrams_rebuilt"]')" 50 "rebuilt at MTU $mtu"
    else
      eq "$(j 'd["unfragmented"]')" 50 "fits MTU $mtu: left whole"
    fi
    run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
  done
}
case_fragment_orders() {
  "$MK" "$T/a.pcap" --count 30 --size 5000
  for args in "--order reverse" "--order random --seed 9" "--order random --seed 9 --duplicate 0.5"; do
    fragmented "$T/a.pcap" "$T/f.pcap" --mtu 576 $args
    run 0 "$IP4REF" replay "$T/f.pcap" --out "$T/o.pcap" --quiet --policy reject
    run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
  done
  fragmented "$T/a.pcap" "$T/r1.pcap" --mtu 576 --order random --seed 5 --duplicate 0.2
  fragmented "$T/a.pcap" "$T/r2.pcap" --mtu 576 --order random --seed 5 --duplicate 0.2
  cmp -s "$T/r1.pcap" "$T/r2.pcap" || fail "same seed, different trains"
}
case_fragment_overlaps() {
  "$MK" "$T/a.pcap" --count 10 --size 4000
  for kind in contained same-start same-end exact partial-head partial-tail; do
    fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500 --overlap "$kind"
    run 0 "$IP4REF" replay "$T/f.pcap" --policy first --out "$T/o.pcap" --quiet
    run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
    run 0 "$IP4REF" replay "$T/f.pcap" --policy last --out "$T/o.pcap" --json
    eq "$(j 'd["counters"]["ReasmOverlaps"]')" 10 "$kind overlaps"
    run 1 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
  done
}
case_fragment_tiny() {
  "$MK" "$T/a.pcap" --count 10 --size 1000
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500 --tiny
  run 0 "$IP4REF" replay "$T/f.pcap" --out "$T/o.pcap" --json
  eq "$(j 'd["fragments"]')" 20 "two fragments each"
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap"
}
case_fragment_df() {
  "$MK" "$T/a.pcap" --count 10 --size 3000 --df
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500
  run 0 "$IP4REF" replay "$T/f.pcap" --json
  eq "$(j 'd["fragments"]')" 0 "DF datagrams left whole"
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1500 --ignore-df
  run 0 "$IP4REF" replay "$T/f.pcap" --out "$T/o.pcap" --json
  eq "$(j 'd["fragments"]')" 30 "--ignore-df fragments"
  run 1 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap" --quiet   # DF differs
  run 0 "$IP4REF" diff "$T/a.pcap" "$T/o.pcap" --payload-only
}

# ----------------------------------------------------------------- convert
need_convert() {
  "$IP4REF" convert pcap-to-trace /dev/null /dev/null 2>&1 | grep -q "not built" &&
    skip "ip4ref convert was built without the fuzz trace codec (fuzz/)"
  return 0
}
case_convert_roundtrip() {
  need_convert
  "$MK" "$T/a.pcap" --count 20 --size 3000 --gap-ns 700000000 --link qinq
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 1000 --order random --overlap same-end
  run 0 "$IP4REF" convert pcap-to-trace "$T/f.pcap" "$T/f.trace" --policy solaris --timeout 2.5
  run 0 "$IP4REF" convert trace-to-pcap "$T/f.trace" "$T/g.pcap"
  eq "$(cat "$T/out")" "--policy solaris --timeout 2.5 --memory 4194304,3145728" "printed options"
  run 0 "$IP4REF" replay "$T/f.pcap" --policy solaris --timeout 2.5 --json --events
  mv "$T/out" "$T/direct.json"
  run 0 "$IP4REF" replay "$T/g.pcap" --policy solaris --timeout 2.5 --json --events
  eq "$(j 'd["events"]')" "$(j 'd["events"]' "$T/direct.json")" "same events through a trace"
  eq "$(j 'd["counters"]')" "$(j 'd["counters"]' "$T/direct.json")" "same counters"
  run 0 "$IP4REF" diff "$T/f.pcap" "$T/g.pcap"
}
case_convert_bad_trace() {
  need_convert
  printf 'I4TR\001' >"$T/short.trace"
  run 2 "$IP4REF" convert trace-to-pcap "$T/short.trace" "$T/o.pcap"; one_error_line "$T/short.trace" "byte offset"
  printf 'NOPE\001xxxxxxxxxxxxxxxxxx' >"$T/magic.trace"
  run 2 "$IP4REF" convert trace-to-pcap "$T/magic.trace" "$T/o.pcap"; one_error_line "$T/magic.trace" "byte offset 0"
  run 2 "$IP4REF" convert trace-to-pcap "$T" "$T/o.pcap"; one_error_line "$T" directory
  run 2 "$IP4REF" convert trace-to-pcap "$T/missing.trace" "$T/o.pcap"; one_error_line "$T/missing.trace"
  run 2 "$IP4REF" convert pcap-to-trace "$T/missing.pcap" "$T/o.trace"; one_error_line "$T/missing.pcap"
}

# A rewind record: faithful in a pcap while no packet is stamped before an
# earlier one; otherwise refused (exit 2) naming both records, no output left.
case_convert_rewind() {
  need_convert
  local header='I4TR\x01\x00\x00\x00\x00\x75\x30\x00\x40\x00\x00\x00\x30\x00\x00\x00\x00\x00\x00'
  local frag0='\x02\x00\x00\x00\x00\x08\x01\x00\x61'   # flow 0, offset 0, 8 octets, MF
  local frag1='\x02\x00\x00\x01\x00\x08\x00\x00\x61'   # flow 0, offset 8, 8 octets, last
  local advance5us='\x03\x00\x00\x00\x00\x00\x00\x13\x88'
  local rewind1us='\x04\x00\x00\x00\x00\x00\x00\x03\xe8'
  printf "$header$frag0$advance5us$rewind1us$frag1" >"$T/ok.trace"
  run 0 "$IP4REF" convert trace-to-pcap "$T/ok.trace" "$T/ok.pcap"
  run 0 "$IP4REF" replay "$T/ok.pcap" --json
  eq "$(j 'd["packets"]')" 2 "both packets written"
  eq "$(j 'd["datagrams_rebuilt"]')" 1 "rebuilt as in the trace"
  eq "$(j 'd["clock_regressions"]')" 0 "no timestamp goes back"
  eq "$(j 'd["clock_ns"] - d["first_timestamp_ns"]')" 4000 "second packet 5 us - 1 us later"
  printf "$header$frag0$rewind1us$frag1" >"$T/back.trace"
  run 2 "$IP4REF" convert trace-to-pcap "$T/back.trace" "$T/back.pcap"
  one_error_line "$T/back.trace" "record 1 (rewind clock)" "record 2 (packet, byte offset 41)" \
    "before record 0"
  [[ ! -e "$T/back.pcap" ]] || fail "a refused trace left $T/back.pcap behind"
}

# ----------------------------------------------------------------- readers
# Standard input and pipes: classic pcap (ip4ref's reader) and pcapng
# (libpcap, fed through the same buffered input) give what the file gives;
# errors on a pipe still name the record and its byte offset.
case_stdin_and_pipes() {
  "$MK" "$T/a.pcap" --count 40 --size 3000 --link vlan
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 576 --order random
  run 0 "$IP4REF" replay "$T/f.pcap" --json --events; mv "$T/out" "$T/file.json"
  "$IP4REF" replay - --json --events <"$T/f.pcap" >"$T/stdin.json" || fail "replay - (stdin)"
  cat "$T/f.pcap" | "$IP4REF" replay /dev/stdin --json --events >"$T/pipe.json" || fail "replay /dev/stdin (pipe)"
  for f in stdin pipe; do
    eq "$(j 'd["events"]' "$T/$f.json")" "$(j 'd["events"]' "$T/file.json")" "$f events"
    eq "$(j 'd["datagrams_rebuilt"]' "$T/$f.json")" 40 "$f datagrams_rebuilt"
  done
  "$MK" "$T/b.pcapng" --count 5 --size 200 --pcapng --link sll2
  cat "$T/b.pcapng" | "$IP4REF" replay - --json >"$T/ng.json" || fail "pcapng on a pipe"
  eq "$(j 'd["unfragmented"]' "$T/ng.json")" 5 "pcapng on a pipe"
  "$MK" "$T/c.pcap" --count 3 --size 100
  head -c $((24 + 2 * 144 + 20)) "$T/c.pcap" >"$T/cut.pcap"
  run 2 bash -c "cat '$T/cut.pcap' | '$IP4REF' replay -"
  one_error_line "-:" "packet 3 at byte offset 312" "truncated dump file"
}

# ip4ref's classic pcap reader and libpcap (--reader libpcap) agree, in both
# byte orders and both timestamp precisions, on events and counters.
case_readers_agree() {
  [[ -n "$PY" ]] || skip "python3 is not installed (needed to byte-swap a capture)"
  "$MK" "$T/a.pcap" --count 30 --size 2000 --link ethernet --nano --other-every 7
  fragmented "$T/a.pcap" "$T/f.pcap" --mtu 576 --order random --duplicate 0.2
  "$PY" - "$T/f.pcap" "$T/be.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
out = struct.pack(">IHHiIII", *struct.unpack("<IHHiIII", d[:24]))
at = 24
while at + 16 <= len(d):
    s, f, cap, ln = struct.unpack("<IIII", d[at:at + 16])
    out += struct.pack(">IIII", s, f, cap, ln) + d[at + 16:at + 16 + cap]
    at += 16 + cap
open(sys.argv[2], "wb").write(out)
PY
  "$MK" "$T/m.pcap" --count 30 --size 900 --link sll --gap-ns 1234   # microseconds
  run 0 "$IP4REF" replay "$T/f.pcap" --json --events; mv "$T/out" "$T/f.json"
  cp "$T/f.json" "$T/be.json"   # the big-endian copy must give the same
  run 0 "$IP4REF" replay "$T/m.pcap" --json --events; mv "$T/out" "$T/m.json"
  for f in f be m; do
    for reader in auto libpcap; do
      run 0 "$IP4REF" replay "$T/$f.pcap" --json --events --reader "$reader"
      for key in events clock_ns packets non_ipv4 snapped; do
        eq "$(j "d['$key']")" "$(j "d['$key']" "$T/$f.json")" "$f.pcap --reader $reader $key"
      done
    done
  done
  run 2 "$IP4REF" replay "$T/f.pcap" --reader fread
}

# ----------------------------------------------------------------- interop
case_tshark_reads_output() {
  need tshark "Debian package tshark (ci/deps --optional)"
  mixed_capture
  # tshark starts slowly: in order, random with duplicates, an overlap, Novak.
  for f in "$T/m0.pcap" "$T/m2.pcap" "$T/m8.pcap" "$T/m9-novak.pcap"; do
    run 0 "$IP4REF" replay "$f" --policy bsd --out "$T/o.pcap" --json
    local written; written="$(j 'd["output"]["written"]')"
    # Novak trains carry letters where UDP headers were: check only the IP layer there.
    local only_ip=()
    [[ "$f" == *novak* ]] && only_ip=(--disable-protocol udp)
    for capture in "$f" "$T/o.pcap"; do
      tshark -r "$capture" "${only_ip[@]}" -o ip.check_checksum:TRUE -o ip.defragment:FALSE \
        -Y 'ip.checksum.status=="Bad" || _ws.malformed' \
        >"$T/tshark" 2>"$T/tshark.err" || fail "tshark failed on $capture: $(cat "$T/tshark.err")"
      [[ -s "$T/tshark" ]] && fail "tshark finds bad packets in $capture: $(head "$T/tshark")"
    done
    eq "$(tshark -r "$T/o.pcap" 2>/dev/null | wc -l)" "$written" "tshark sees every datagram"
  done
}

declare -F "case_$case_name" >/dev/null || fail "no such case (see the case_* functions)"
"case_$case_name"
echo "PASS [$case_name]"
