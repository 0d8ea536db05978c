#!/usr/bin/env python3
"""Query workload of the benchmark harness (docs/benchmarks.md, "queries").

1. Fills a fresh cxloopd on SQLite with cases through the real intake route for a bounded
   time (wrk, tests/bench/wrk/case_intake.lua, 64 connections, --fill-seconds): as many cases
   as this machine takes in that time; the count is reported. Or, with --cases N, writes N
   cases spread over two years straight into the freshly migrated database (bulk_fill.py),
   starts cxloopd on it and checks that the API lists and reads them (fails loudly if not).
2. Imports --install-base customers with one asset each of SKU KTL-220 (CSV import routes)
   and creates a problem scoped to KTL-220 with --linked cases of that SKU linked to it, so
   its impact has linked cases, in-scope customers and likely affected ones to count.
3. Times, each for --seconds with one wrk connection (one request at a time, so p99 is the
   query's own time and not queueing behind the load generator):
     list     GET /api/v1/cases?state=new&limit=50
     list-page2  the same with the first page's next_cursor (a page after the first)
     search   GET /api/v1/cases?q=<word>&limit=50, words in turn: some in many cases, one in
              none (the worst case of a substring search: every row read)
     impact   GET /api/v1/problems/{id}/impact
Prints one JSON line per query ("workload": "queries-<name>").
4. Restarts cxloopd on the same database with the similarity analytics plugin enabled
   (max_history_cases above the case count, history_days 3650, so every stored case is read):
   the plugin rebuilds its index from the repository (before the server listens, or on a
   thread of its own after it, depending on the plugin's version). Prints "matching-rebuild":
   the plugin's own rebuild time (its log line, waited for up to --rebuild-timeout s), the
   time from exec to /readyz 200 and to that line, and resident memory with the index and
   without the plugin.
"""
import argparse
import json
from urllib.parse import quote
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402
import bulk_fill  # noqa: E402

SKU = "KTL-220"


def wrk(url, seconds, connections, script, args):
    out = subprocess.run(
        ["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--timeout", "10s", "-s", script,
         url, "--"] + args, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    raise RuntimeError("wrk printed no BENCH_RESULT line:\n" + out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--fill-seconds", type=int, default=180)
    parser.add_argument("--cases", type=int, default=0,
                        help="write this many cases straight into the database (bulk_fill.py)"
                             " instead of --fill-seconds of intake")
    parser.add_argument("--install-base", type=int, default=20000)
    parser.add_argument("--linked", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rebuild-timeout", type=int, default=900,
                        help="seconds to wait for the similarity index rebuild")
    args = parser.parse_args()

    config = {
        "data_dir": os.path.join(args.workdir, "data"),
        "http": {"listen": "127.0.0.1", "port": 0, "threads": 128},
        "storage": {"url": "sqlite:" + os.path.join(args.workdir, "data", "cxloop.db")},
    }
    bulk = None
    if args.cases > 0:
        bulk = bulk_load(args, config)
    server = benchlib.Server(args.build_dir, args.workdir, config)
    try:
        base = "http://127.0.0.1:%d" % server.port
        api = server.client(server.token("agent"))

        load_fill = benchlib.load1()
        if bulk:
            check_bulk(api, bulk, args.workdir)
            fill = {"bulk": bulk}
        else:
            ingest = server.token("ingest")
            result = wrk(base + "/api/v1/cases", args.fill_seconds, 64,
                         "tests/bench/wrk/case_intake.lua", [ingest])
            cases = api.request("GET", "/api/v1/cases?limit=1&count=exact")["total"]
            benchlib.say("filled %d cases in %d s (%.0f/s, %d errors)"
                         % (cases, args.fill_seconds, result["rps"], result["errors"]))
            fill = {"seconds": args.fill_seconds, "rps": result["rps"],
                    "errors": result["errors"]}
        fill["load1_before"] = load_fill

        n = args.install_base
        api.request("POST", "/api/v1/customers/import",
                    ("email,name\n" + "".join("owner%d@bench.example,Owner %d\n" % (i, i)
                                              for i in range(n))).encode(), "text/csv")
        api.request("POST", "/api/v1/assets/import",
                    ("customer_email,sku,batch\n" + "".join("owner%d@bench.example,%s,B%d\n"
                                                            % (i, SKU, i % 5) for i in range(n))
                     ).encode(), "text/csv")
        problem = api.request("POST", "/api/v1/problems",
                              {"title": "Kettle KTL-220 leaks", "scope": {"skus": [SKU]}})
        pid = problem["id"]
        linked = 0
        path = "/api/v1/cases?sku=%s&limit=200" % SKU
        while linked < args.linked:
            page = api.request("GET", path)
            for case in page["items"]:
                if linked >= args.linked:
                    break
                api.request("POST", "/api/v1/problems/%d/cases" % pid, {"case_id": case["id"]})
                linked += 1
            if not page.get("next_cursor"):
                break
            path = "/api/v1/cases?sku=%s&limit=200&cursor=%s" % (SKU, page["next_cursor"])
        new_cases = api.request("GET", "/api/v1/cases?state=new&limit=1&count=exact")["total"]
        # Counted again now: the fill's last requests may still have been running at the first count.
        cases = api.request("GET", "/api/v1/cases?limit=1&count=exact")["total"]

        # The second page: a cursor near the newest cases, the most expensive place for one.
        cursor = api.request("GET", "/api/v1/cases?state=new&limit=50")["next_cursor"]
        queries = {
            "list": ["/api/v1/cases?state=new&limit=50"],
            "list-page2": ["/api/v1/cases?state=new&limit=50&cursor=" + quote(cursor or "")],
            "search": ["/api/v1/cases?q=%s&limit=50" % w
                       for w in ("leaks", "tracking", "invoice", "filter", "zzqx-nowhere")],
            "impact": ["/api/v1/problems/%d/impact" % pid],
        }
        # One answer of each, for the record (and to fail early on an error answer).
        samples = {}
        for name, paths in queries.items():
            seconds, body = api.timed_get(paths[0])
            answer = json.loads(body)
            samples[name] = ({"total": answer.get("total")} if "total" in answer
                             else {k: answer.get(k) for k in ("linked_cases", "in_scope_customers",
                                                              "likely_affected_customers")})
        for name, paths in queries.items():
            load = benchlib.load1()
            result = wrk(base, args.seconds, 1, "tests/bench/wrk/query_get.lua",
                         [api.token] + paths)
            benchlib.emit({"workload": "queries-" + name, "cases": cases, "new_cases": new_cases,
                           "install_base": n, "linked_cases": linked, "paths": paths,
                           "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
                           "rps": result["rps"], "errors": result["errors"], "detail": result,
                           "answer": samples[name], "connections": 1, "load1_before": load,
                           "fill": fill})
            benchlib.table("%-18s %5d %10s %9s %9s %7s  %d cases (load %.1f)"
                           % ("queries-" + name, 1, result["rps"], result["p50_ms"],
                              result["p99_ms"], result["errors"], cases, load))
    finally:
        server.stop()
    rebuild(args, config, cases)


def bulk_load(args, config):
    """Writes args.cases cases into the database of config (migrated first); returns the
    counts and timings of bulk_fill.fill."""
    os.makedirs(config["data_dir"], exist_ok=True)
    path = os.path.join(args.workdir, "cxloop.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    load = benchlib.load1()
    started = time.monotonic()
    bulk_fill.migrate(args.build_dir, path)
    result = bulk_fill.fill(bulk_fill.database_path(path), args.cases, 50000, 9, benchlib.say)
    result["migrate_and_fill_s"] = round(time.monotonic() - started, 1)
    result["load1_before"] = load
    benchlib.say("bulk fill: %d cases and %d customers written in %.0f s"
                 % (result["cases"], result["customers"], result["fill_s"]))
    return result


def check_bulk(api, bulk, workdir):
    """The API must list and read the bulk-filled cases as it does cases from intake: the
    total, the newest and the first case by id and by number, and a search hit. Raises (the
    workload fails) when an answer is off."""
    n = bulk["cases"]
    failures = []
    listed = api.request("GET", "/api/v1/cases?limit=5&count=exact")
    if listed.get("total") != n:
        failures.append("GET /api/v1/cases answered total %r, %d were written"
                        % (listed.get("total"), n))
    if not listed.get("items") or listed["items"][0].get("number") != "CS-%06d" % n:
        failures.append("the newest case listed is %r, expected CS-%06d"
                        % ((listed.get("items") or [{}])[0].get("number"), n))
    for case_id in (1, n):
        case = api.request("GET", "/api/v1/cases/%d" % case_id)
        case = case.get("case", case)
        if case.get("number") != "CS-%06d" % case_id or not case.get("subject"):
            failures.append("GET /api/v1/cases/%d answered %s" % (case_id, json.dumps(case)[:300]))
    search = api.request("GET", "/api/v1/cases?q=leaks&limit=1&count=exact")
    if not search.get("total"):
        failures.append("GET /api/v1/cases?q=leaks found nothing in %d cases" % n)
    if failures:
        raise RuntimeError("the bulk-filled database in %s is not read as expected:\n  %s"
                           % (workdir, "\n  ".join(failures)))
    benchlib.say("bulk fill checked through the API: total %d, CS-000001 and CS-%06d read, "
                 "search finds %d cases with 'leaks'" % (n, n, search["total"]))


def ready_ms(port, started, timeout_s=600):
    import http.client
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return (time.monotonic() - started) * 1000
        except OSError:
            pass
        time.sleep(0.005)
    return None


def rebuild(args, config, cases):
    # Without the plugin first: the server's own memory on this database, for comparison.
    plain = benchlib.Server(args.build_dir, args.workdir, config)
    try:
        plain_ready = ready_ms(plain.port, plain.started)
        time.sleep(1)
        plain_rss = plain.rss_kb()
    finally:
        plain.stop()
    config = dict(config)
    config["plugins"] = {
        "directories": [os.path.join(os.path.abspath(args.build_dir), "plugins")],
        "instances": {"similarity": {"plugin": "similarity", "required": True,
                                     "settings": {"history_days": 3650,
                                                  "max_history_cases": cases + 1000}}}}
    load = benchlib.load1()
    server = benchlib.Server(args.build_dir, args.workdir, config, start_timeout_s=900)
    try:
        ready = ready_ms(server.port, server.started)
        # The plugin may rebuild in its constructor (before the server listens) or on a thread
        # of its own after it; either way its log line says when the index is complete.
        m, index_ready = wait_for_log(
            server, r"similarity index rebuilt from (\d+) cases and (\d+) problems in ([0-9.]+) s"
                    r"|similarity index rebuild failed", args.rebuild_timeout)
        time.sleep(1)
        rss = server.rss_kb()
        done = m is not None and m.group(1) is not None
        if m is not None and not done:
            benchlib.say("matching-rebuild: the plugin reported a failed rebuild (see %s)"
                         % server.log_path)
        benchlib.emit({"workload": "matching-rebuild", "cases": cases,
                       "indexed": int(m.group(1)) if done else None,
                       "rebuild_s": float(m.group(3)) if done else None,
                       "start_to_index_ready_s": round(index_ready, 1) if done else None,
                       "start_to_ready_ms": round(ready, 1) if ready else None,
                       "start_to_ready_ms_without_plugin": round(plain_ready, 1) if plain_ready else None,
                       "rss_kb": rss, "rss_kb_without_plugin": plain_rss, "load1_before": load,
                       "timeout_s": args.rebuild_timeout})
        benchlib.table("%-18s %s of %d cases indexed in %s s; /readyz after %s ms; RSS %d MiB (%d without)"
                       % ("matching-rebuild", m.group(1) if done else "?", cases,
                          m.group(3) if done else "? (none within %d s)" % args.rebuild_timeout,
                          round(ready) if ready else "?", (rss or 0) // 1024,
                          (plain_rss or 0) // 1024))
    finally:
        server.stop()


def wait_for_log(server, pattern, timeout_s):
    """The first match of pattern in the server's log and the seconds from its start, polled
    every 50 ms for at most timeout_s; (None, None) when it never appears."""
    import re
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with open(server.log_path) as f:
            m = re.search(pattern, f.read())
        if m:
            return m, time.monotonic() - server.started
        if server.process.poll() is not None:
            break
        time.sleep(0.05)
    return None, None

if __name__ == "__main__":
    main()
