#!/usr/bin/env python3
"""Matching workload of the benchmark harness (docs/benchmarks.md, "matching").

Runs the similarity plugin's own evaluation program (cxloop-analytics-eval, built with the
plugin) on a large generated index and reports what it measures, plus its peak resident memory:
  --cases N --days 730 --history-days 716 --problem-share 0.02
loads 716 days of history into the matcher (the part older than four windows only indexed, as
the plugin's start-up does), then adds the last 14 days (about N/52 cases) one at a time, timing
each add-and-match. The program's quality figures are not reported (docs/analytics.md explains
why they mean nothing on this compressed stream). The "replay" time is the index build from
cases already in memory; the rebuild from the repository is measured by the queries workload
("matching-rebuild").
Prints one JSON line ("workload": "matching").
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--cases", type=int, default=1000000)
    args = parser.parse_args()
    program = os.path.join(args.build_dir, "plugins", "analytics", "similarity", "cxloop-analytics-eval")
    command = [program, "--cases", str(args.cases), "--days", "730", "--history-days", "716",
               "--problem-share", "0.02"]
    load = benchlib.load1()
    started = time.monotonic()
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    wall = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    m = re.search(r"match one case \(CPU time\): p50 ([0-9.]+) ms\s+p99 ([0-9.]+) ms\s+max ([0-9.]+) ms;"
                  r" wall-clock p99 ([0-9.]+) ms \(generate ([0-9.]+) s, replay ([0-9.]+) s\)", out)
    if not m:
        raise RuntimeError("cxloop-analytics-eval printed no timing line:\n" + out)
    benchlib.emit({"workload": "matching", "cases": args.cases, "command": " ".join(command[1:]),
                   "match_cpu_p50_ms": float(m.group(1)), "match_cpu_p99_ms": float(m.group(2)),
                   "match_cpu_max_ms": float(m.group(3)), "match_wall_p99_ms": float(m.group(4)),
                   "generate_s": float(m.group(5)), "replay_s": float(m.group(6)),
                   "peak_rss_kb": peak_kb, "wall_s": round(wall, 1), "load1_before": load,
                   "load1_after": benchlib.load1()})
    benchlib.table("%-16s %d cases: match CPU p50 %s ms, p99 %s ms (wall p99 %s ms); replay %s s;"
                   " peak RSS %d MiB" % ("matching", args.cases, m.group(1), m.group(2), m.group(4),
                                         m.group(6), peak_kb // 1024))


if __name__ == "__main__":
    main()
