#!/usr/bin/env python3
"""Campaign workload of the benchmark harness (docs/benchmarks.md, "campaign").

A problem whose scope holds N customers (default 100,000) is told about through a real
cxloopd on SQLite, its email_notifier and sms_notifier, into the receivers of sinks.py (an
SMTP sink and an HTTP gateway). Steps, each timed:
  1. import N customers (CSV, POST /api/v1/customers/import) and one asset each (POST
     /api/v1/assets/import, sku BENCH-KETTLE); a share of them prefer SMS, the rest e-mail;
  2. a problem with scope {skus: [BENCH-KETTLE]}, advisory, a solution with a customer message;
  3. POST /api/v1/problems/{id}/campaign {advisory: true}; poll GET .../campaign until
     audience_complete: "enqueued" is the time until all N notifications and their outbox
     items are written (target < 5 s; "enqueued_server_s" is the same from the campaign's own
     created_at and updated_at, free of the polling interval);
  4. wait until the sinks received N messages in all, at most --dispatch-timeout seconds after
     the audience is complete: dispatch rate per medium from first to last arrival, and
     exactly-once: arrivals == distinct Message-IDs / Idempotency-Keys == the customers of that
     medium ("all_received" false when the time ran out first; the rate still stands).
Prints one JSON line ("workload": "campaign").
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402

SKU = "BENCH-KETTLE"


def start_sinks(workdir, quickack):
    log = open(os.path.join(workdir, "sinks.err"), "w")
    process = subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "sinks.py")]
        + (["--quickack"] if quickack else []),
        stdout=subprocess.PIPE, stderr=log, text=True)
    ports = {}
    for _ in range(2):
        kind, address = process.stdout.readline().split()
        ports[kind] = int(address.rsplit(":", 1)[1])
    return process, ports


def sink_stats(port):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/stats")
    stats = json.loads(connection.getresponse().read())
    connection.close()
    return stats


def dispatch_seconds(api):
    """Mean milliseconds of the plugin call per outbox target, from cxloop_outbox_dispatch_seconds
    in /metrics: the part of a notification's dispatch spent in the notifier itself."""
    try:
        _, text = api.timed_get("/metrics")
    except RuntimeError:
        return None
    sums, counts = {}, {}
    for line in text.decode().splitlines():
        for suffix, into in (("_sum{", sums), ("_count{", counts)):
            if line.startswith("cxloop_outbox_dispatch_seconds" + suffix):
                target = line.split('target="', 1)[1].split('"', 1)[0]
                into[target] = float(line.rsplit(" ", 1)[1])
    return {t: round(1000 * sums[t] / counts[t], 3) for t in sums if counts.get(t)}


def customer_csv(n, sms_share):
    lines = ["name,email,phone,preferred_channel"]
    sms_every = round(1 / sms_share) if sms_share > 0 else 0
    for i in range(n):
        medium = "sms" if sms_every and i % sms_every == 0 else "email"
        lines.append("Customer %d,c%d@bench.example,+1555%07d,%s" % (i, i, i, medium))
    return ("\n".join(lines) + "\n").encode()


def asset_csv(n):
    lines = ["customer_email,sku,batch"]
    for i in range(n):
        lines.append("c%d@bench.example,%s,B%d" % (i, SKU, i % 7))
    return ("\n".join(lines) + "\n").encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--sms-share", type=float, default=0.5,
                        help="share of customers preferring SMS (default 0.5)")
    parser.add_argument("--smtp-connections", type=int, default=4,
                        help="email_notifier settings.connections (1-16)")
    parser.add_argument("--outbox-threads", type=int, default=8,
                        help="workers.outbox_threads (default 8, the shipped default)")
    parser.add_argument("--smtp-quickack", action="store_true",
                        help="diagnostic: the SMTP sink acknowledges every segment at once (sinks.py)")
    parser.add_argument("--enqueue-only", action="store_true",
                        help="time the audience alone: the notifiers are rate-limited to one "
                             "message, so dispatch does not compete; no dispatch figures")
    parser.add_argument("--enqueue-timeout", type=float, default=600)
    parser.add_argument("--dispatch-timeout", type=float, default=600)
    args = parser.parse_args()

    sinks, ports = start_sinks(args.workdir, args.smtp_quickack)
    server = None
    try:
        n = args.customers
        config = {
            "data_dir": os.path.join(args.workdir, "data"),
            "http": {"listen": "127.0.0.1", "port": 0, "threads": 16},
            "storage": {"url": "sqlite:" + os.path.join(args.workdir, "data", "cxloop.db")},
            "workers": {"outbox_threads": args.outbox_threads, "timer_interval_ms": 1000},
            "campaigns": {"public_base_url": "http://127.0.0.1:8080"},
            # --enqueue-only: one token each, then every item is held back (outbox gate).
            **({"campaigns": {"public_base_url": "http://127.0.0.1:8080",
                              "rate_limits": {"notify-email": 1e-6, "notify-sms": 1e-6}}}
               if args.enqueue_only else {}),
            "plugins": {
                "directories": [os.path.join(os.path.abspath(args.build_dir), "plugins")],
                "instances": {
                    "notify-email": {
                        "plugin": "email_notifier", "required": True,
                        "settings": {"address": "service@bench.example",
                                     "connections": args.smtp_connections,
                                     "smtp": {"host": "127.0.0.1", "port": ports["smtp"],
                                              "starttls": False}}},
                    "notify-sms": {
                        "plugin": "sms_notifier", "required": True,
                        "settings": {"gateway_url": "http://127.0.0.1:%d/v1/messages" % ports["http"],
                                     "account": "bench", "secret": "bench-secret",
                                     "from_number": "+15550000000"}},
                },
            },
        }
        server = benchlib.Server(args.build_dir, args.workdir, config)
        api = server.client(server.token("agent"))
        load_start = benchlib.load1()

        started = time.monotonic()
        api.request("POST", "/api/v1/customers/import", customer_csv(n, args.sms_share), "text/csv")
        import_customers_s = time.monotonic() - started
        started = time.monotonic()
        api.request("POST", "/api/v1/assets/import", asset_csv(n), "text/csv")
        import_assets_s = time.monotonic() - started
        benchlib.say("imported %d customers in %.1f s and %d assets in %.1f s"
                     % (n, import_customers_s, n, import_assets_s))

        problem = api.request("POST", "/api/v1/problems", {
            "title": "Bench kettles: lids crack", "scope": {"skus": [SKU]}, "advisory": True})
        pid = problem["id"]
        api.request("POST", "/api/v1/problems/%d/transition" % pid, {"state": "investigating"})
        api.request("PUT", "/api/v1/problems/%d/solution" % pid, {
            "type": "recall", "summary": "Replacement lids",
            "customer_message": "A replacement lid for your kettle is on its way."})
        impact_s, impact = api.timed_get("/api/v1/problems/%d/impact" % pid)
        in_scope = json.loads(impact).get("in_scope_customers")

        rss_before = server.rss_kb()
        started = time.monotonic()
        api.request("POST", "/api/v1/problems/%d/campaign" % pid, {"advisory": True})
        enqueued_s = None
        deadline = started + args.enqueue_timeout
        campaign = None
        enqueued_server_s = None
        while time.monotonic() < deadline:
            asked = time.monotonic()
            campaign = api.request("GET", "/api/v1/problems/%d/campaign" % pid)
            if campaign.get("audience_complete"):
                enqueued_s = time.monotonic() - started
                # The server's own figure: the campaign row was created by the POST and last
                # updated when the audience was complete (while it still runs, unpaused).
                if campaign.get("state") == "running":
                    enqueued_server_s = (
                        datetime.datetime.fromisoformat(campaign["updated_at"])
                        - datetime.datetime.fromisoformat(campaign["created_at"])).total_seconds()
                break
            # GET .../campaign counts every notification (about 0.4 s at 100,000 on this
            # machine): polling back to back would keep a core busy beside the audience.
            time.sleep(max(0.05, 3 * (time.monotonic() - asked)))
        written = sum(campaign["counts"]["by_state"].values()) if campaign else 0
        benchlib.say("audience: %s notifications written, complete after %s s"
                     % (written, "%.2f" % enqueued_s if enqueued_s else "-"))

        deadline = time.monotonic() + (0 if args.enqueue_only else args.dispatch_timeout)
        peak_rss = 0
        while time.monotonic() < deadline:
            stats = sink_stats(ports["http"])
            peak_rss = max(peak_rss, server.rss_kb() or 0)
            if stats["smtp"]["received"] + stats["http"]["received"] >= n:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # anything beyond N (a duplicate) would arrive now
        stats = sink_stats(ports["http"])
        campaign = api.request("GET", "/api/v1/problems/%d/campaign" % pid)
        plugin_seconds = dispatch_seconds(api)

        sms_expected = sum(1 for i in range(n) if args.sms_share > 0
                           and i % round(1 / args.sms_share) == 0)
        expected = {"smtp": n - sms_expected, "http": sms_expected}

        def medium(kind):
            s = stats[kind]
            span = (s["last"] - s["first"]) if s["first"] else 0
            return {"expected": expected[kind], "received": s["received"], "distinct": s["distinct"],
                    "all_received": s["received"] >= expected[kind],
                    "exactly_once": s["received"] == s["distinct"] == expected[kind],
                    "span_s": round(span, 3),
                    "per_s": round(s["received"] / span, 1) if span > 0 else None}

        result = {
            "workload": "campaign", "customers": n, "in_scope_customers": in_scope,
            "import_customers_s": round(import_customers_s, 2),
            "import_assets_s": round(import_assets_s, 2),
            "impact_ms": round(impact_s * 1000, 2),
            "notifications_written": written,
            "enqueued_s": round(enqueued_s, 3) if enqueued_s else None,
            "enqueued_server_s": round(enqueued_server_s, 3) if enqueued_server_s else None,
            "email": medium("smtp"), "sms": medium("http"),
            "plugin_call_ms_mean": plugin_seconds,
            "campaign_state": campaign.get("state"), "campaign_counts": campaign["counts"]["by_state"],
            "rss_kb_before": rss_before, "rss_kb_peak_dispatch": peak_rss,
            "settings": {"smtp_connections": args.smtp_connections,
                         "outbox_threads": args.outbox_threads, "sms_share": args.sms_share,
                         "smtp_quickack": args.smtp_quickack, "enqueue_only": args.enqueue_only},
            "load1_before": load_start, "load1_after": benchlib.load1(),
        }
        benchlib.emit(result)
        for name, m in (("email", result["email"]), ("sms", result["sms"])):
            if m["expected"]:
                benchlib.table("%-16s %s: %d of %d received (%d distinct) at %s/s over %.1f s"
                               % ("campaign", name, m["received"], m["expected"], m["distinct"],
                                  m["per_s"], m["span_s"]))
        benchlib.table("%-16s %d notifications written, audience complete after %s s (load %.1f)"
                       % ("campaign", written, result["enqueued_s"], load_start))
    finally:
        if server:
            server.stop()
        sinks.terminate()
        sinks.wait()


if __name__ == "__main__":
    main()
