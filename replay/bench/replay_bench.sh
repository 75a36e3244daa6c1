#!/usr/bin/env bash
# replay_bench.sh: `ip4ref replay` against `tshark -o ip.defragment:TRUE` on
# the same capture of fragmented traffic, in one run (issue 6: >= 100x
# tshark's packets/s). Called by ci/bench (its "replay" section) or alone.
#
# 1. builds the ip4ref tool, Release, in $BUILD (default build/bench-replay);
# 2. writes DATAGRAMS UDP datagrams of SIZE octets (LINKTYPE_IPV4, test
#    addresses 192.0.2.0/24 -> 198.51.100.0/24), and fragments them with
#    `ip4ref fragment --mtu MTU --order random`;
# 3. checks ip4ref rebuilds every datagram, then runs, each REPEAT times
#    (the run with the least CPU time kept; after the first row the commands
#    take turns, one run each per round, so a change in the machine's load
#    reaches every row alike): ip4ref replay --engine fast on
#    the capture as it was just written (small page-cache folios: the
#    mapping costs one page-table entry per 4 KiB), then, after dropping
#    the capture from the page cache and reading it back (as a capture read
#    from disk is cached), --engine fast, --engine ref, fast with --reader
#    libpcap, `cat X` (reading the octets and nothing else: the floor),
#    tshark -r X -o ip.defragment:TRUE (issue 6's command; its line per
#    packet to /dev/null) and tshark -q ... -z io,stat,0 (the same
#    dissection and reassembly, no line per packet: tshark's best case);
# 4. prints a Markdown table: packets/s by CPU time (user + sys of the
#    process itself, from wait4(): the fair measure on a shared machine) and
#    by wall time, each row's ratio to both tshark rows, and the user / sys
#    split.
#    Also written to $OUT/replay.md.
#
# Environment: DATAGRAMS (default 100000), SIZE (1400), MTU (576),
# REPEAT (3), BUILD, OUT (build/bench-results), JOBS (2).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/bench-replay}
out=${OUT:-$root/build/bench-results}
datagrams=${DATAGRAMS:-100000}
size=${SIZE:-1400}
mtu=${MTU:-576}
repeat=${REPEAT:-3}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/ip4ref-replay-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DIP4REF_BUILD_TOOLS=ON -DIP4REF_BUILD_TESTS=OFF -DIP4REF_BUILD_PROPS=OFF \
  -DIP4REF_BUILD_FUZZ=OFF -DIP4REF_BUILD_BENCH=OFF -DIP4REF_BUILD_ADAPTERS=OFF \
  >"$out/replay-configure.log"
cmake --build "$build" --target ip4ref_tool -j "${JOBS:-2}" >"$out/replay-build.log"
tool=$build/replay/ip4ref

python3 - "$work/datagrams.pcap" "$datagrams" "$size" <<'PY'
# N UDP datagrams of SIZE octets as LINKTYPE_IPV4 (228), microsecond pcap,
# 10 us apart, identification = sequence number, header checksum right.
import struct, sys
path, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def checksum(h):
    s = sum(struct.unpack("!10H", h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
payload = bytes(range(256)) * (size // 256 + 1)
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 228))
    for i in range(n):
        udp = struct.pack("!HHHH", 40000 + i % 1000, 9, size - 20, 0) + payload[: size - 28]
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size, i & 0xffff, 0, 64, 17, 0,
                        bytes([192, 0, 2, 1 + i % 200]), bytes([198, 51, 100, 1]))
        h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
        t = 1_700_000_000_000_000 + i * 10
        f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, size, size) + h + udp)
PY
"$tool" fragment "$work/datagrams.pcap" --mtu "$mtu" --order random --seed 6 \
  --out "$work/fragments.pcap" --quiet
capture=$work/fragments.pcap

python3 - "$tool" "$capture" "$datagrams" "$size" "$mtu" "$repeat" "$out/replay.md" <<'PY'
import json, os, shutil, subprocess, sys, time
tool, capture, n, size, mtu, repeat, md = sys.argv[1:8]
n, repeat = int(n), int(repeat)

def run(cmd):
    """stdout of one child, which must succeed."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"replay_bench: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[:500]}")
    return p.stdout

def run_once(cmd):
    """(CPU, user, sys, wall) seconds of one run of cmd; CPU = user + sys of
    the process itself, from wait4()."""
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    t0 = time.perf_counter()
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"replay_bench: {' '.join(cmd)} failed (status {status})")
    return (ru.ru_utime + ru.ru_stime, ru.ru_utime, ru.ru_stime, wall)

def measure(cmd):
    """Best of `repeat` runs by CPU time, back to back."""
    return min((run_once(cmd) for _ in range(repeat)), key=lambda r: r[0])

def measure_interleaved(cmds):
    """Best of `repeat` runs by CPU time for every command, the commands
    taking turns (round r runs each once), so that a change in the machine's
    load during the run (its neighbours on the host) reaches ip4ref's rows
    and tshark's alike instead of only the rows that happened to run then."""
    best = [None] * len(cmds)
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            r = run_once(cmd)
            best[i] = r if best[i] is None or r[0] < best[i][0] else best[i]
    return best

def reread(path):
    """Drops this one file from the page cache and reads it back, as a
    capture read from disk is cached (by readahead; replay/README.md "Speed")."""
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    while os.read(fd, 1 << 20):
        pass
    os.close(fd)

summary = json.loads(run([tool, "replay", capture, "--json", "--engine", "fast"]))
packets = summary["packets"]
if summary["datagrams_rebuilt"] != n:
    sys.exit(f"replay_bench: ip4ref rebuilt {summary['datagrams_rebuilt']} datagrams, not {n}")

fast = [tool, "replay", capture, "--quiet", "--engine", "fast"]
rows = [("ip4ref replay --engine fast, capture as just written", measure(fast))]
reread(capture)
quiet_label = "tshark -q -r X -o ip.defragment:TRUE -z io,stat,0"
commands = [("ip4ref replay --engine fast", fast),
            ("ip4ref replay --engine ref", [tool, "replay", capture, "--quiet", "--engine", "ref"]),
            ("ip4ref replay --engine fast --reader libpcap", fast + ["--reader", "libpcap"]),
            ("cat X > /dev/null (reading the octets, nothing else)", ["cat", capture])]
tshark = shutil.which("tshark")
if tshark:
    commands.append(("tshark -r X -o ip.defragment:TRUE",
                     [tshark, "-r", capture, "-o", "ip.defragment:TRUE"]))
    # The same dissection and reassembly without the line per packet (-q
    # alone would skip dissection; a tap keeps it): the measure that favours
    # tshark most.
    commands.append((quiet_label, [tshark, "-q", "-r", capture, "-o",
                                   "ip.defragment:TRUE", "-z", "io,stat,0"]))
rows += list(zip([label for label, _ in commands],
                 measure_interleaved([cmd for _, cmd in commands])))

def rate(seconds):
    return packets / seconds if seconds > 0 else float("inf")
t_cpu = t_wall = q_cpu = None
if tshark:
    t_cpu, t_wall = rate(rows[-2][1][0]), rate(rows[-2][1][3])
    q_cpu = rate(rows[-1][1][0])
lines = [f"Capture: {n} UDP datagrams of {size} octets fragmented at MTU {mtu} "
         f"(random order): {packets} packets, {os.path.getsize(capture)} octets, in the page "
         f"cache: the first row as the capture was written, the others after it was dropped "
         f"from the cache and read back. Best of {repeat} runs (by CPU time) for every command; the commands after the first "
         f"take turns, one run each per round.",
         "",
         "| command | packets/s (CPU) | packets/s (wall) | x tshark (CPU) | x tshark -q (CPU) "
         "| x tshark (wall) | user ms | sys ms |",
         "|---|---|---|---|---|---|---|---|"]
for label, (cpu, user, system, wall) in rows:
    rc, rw = rate(cpu), rate(wall)
    xc = f"{rc / t_cpu:.1f}x" if t_cpu else "-"
    xq = f"{rc / q_cpu:.1f}x" if q_cpu else "-"
    xw = f"{rw / t_wall:.1f}x" if t_wall else "-"
    lines.append(f"| `{label}` | {rc / 1e6:.3f}M | {rw / 1e6:.3f}M | {xc} | {xq} | {xw} "
                 f"| {user * 1e3:.1f} | {system * 1e3:.1f} |")
if not tshark:
    lines += ["", "tshark is not installed (ci/deps --optional): no ratio."]
open(md, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
