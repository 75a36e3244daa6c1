#!/bin/sh
# replay_findings.sh IP4REF ENGINE POLICY PCAP...: for every finding, the
# command its README gives, `ip4ref replay PCAP --engine ENGINE --compare ref
# --policy POLICY`, must report a divergence (exit 1). Exit 77 (ctest: skipped)
# when ENGINE is not in this build or cannot start here; 1 on any other outcome.
ip4ref="$1" engine="$2" policy="$3"
shift 3
status=0
for pcap in "$@"; do
  out=$("$ip4ref" replay "$pcap" --engine "$engine" --compare ref --policy "$policy" --quiet 2>&1)
  rc=$?
  if [ $rc -eq 2 ] && echo "$out" | grep -q -e 'unknown engine' -e 'cannot be created here'; then
    echo "$out"
    echo "skipped: engine '$engine' is not available in this build or here"
    exit 77
  fi
  if [ $rc -ne 1 ]; then
    echo "$pcap: expected a divergence (exit 1), got exit $rc"
    echo "$out"
    status=1
  fi
done
[ $status -eq 0 ] && echo "$# findings: every replay --compare reports its divergence"
exit $status
