#!/usr/bin/env python3
"""Bulk fill for the queries workload (docs/benchmarks.md, "queries"): writes N realistic cases
straight into a freshly migrated cxloop SQLite database, far faster than intake can.

  bulk_fill.py --build-dir BUILD --config CXLOOP_JSON --cases 1000000

1. `cxloopctl migrate --config CXLOOP_JSON` brings the schema up to date, so every table,
   index and trigger of every migration exists (full-text indexes kept by triggers are filled
   by the same inserts, as they are for cases that arrive through intake).
2. Customers, cases and their first inbound message are inserted through Python's sqlite3
   module in transactions of --batch cases, in the shapes intake writes (the same columns and
   NOT NULL values, `number` CS-000001..., timestamps as RFC 3339 UTC text with microseconds).
   The texts, products, batches, channels and the 30 % of returning customers come from
   tests/bench/wrk/case_texts.lua, the data of the intake wrk scripts, so search words occur
   with the frequencies they have in a database filled through intake.
3. Unlike an intake fill, the cases span two years (created_at spread evenly, in id order, up
   to now) and have the states of an aged history: most cases older than two months are
   closed or resolved (with resolved_at), recent ones new, open or pending.

Not written: events (the intake's case.created entries; nothing the queries time reads them),
problems, assets. Prints progress to stderr and one JSON line with the counts and timings.
"""
import argparse
import datetime
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True
REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
TEXTS = os.path.join(REPO, "tests", "bench", "wrk", "case_texts.lua")
RETURNING_SHARE = 0.30  # as case_generator.lua
RETURNING_CUSTOMERS = 1000
DAY = 86400.0


def read_texts(path=TEXTS):
    """case_texts.lua as a dict: its subset of Lua (a returned table of named lists of strings
    or of lists of strings, strings joined with ..) rewritten to JSON."""
    with open(path) as f:
        lua = "\n".join(line for line in f.read().splitlines() if not line.lstrip().startswith("--"))
    lua = lua.strip()
    if not lua.startswith("return"):
        raise ValueError("%s must start with 'return {'" % path)
    lua = re.sub(r'"\s*\.\.\s*"', "", lua[len("return"):])  # "a" .. "b" -> "ab"
    lua = re.sub(r"(\w+)\s*=\s*\{", r'"\1": [', lua)  # name = { -> "name": [
    lua = lua.replace("{", "[").replace("}", "]")
    lua = "{" + lua.strip()[1:-1] + "}"  # the outer table is the only one with names
    return json.loads(lua)


def rfc3339(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def state_for(age_days, rng):
    """(state, resolution delay in days or None): an aged history, newest cases still open."""
    r = rng.random()
    if age_days < 14:
        table = [("new", 0.50), ("open", 0.25), ("pending", 0.15), ("resolved", 0.10)]
    elif age_days < 60:
        table = [("open", 0.10), ("pending", 0.10), ("resolved", 0.50), ("closed", 0.30)]
    else:
        table = [("open", 0.01), ("pending", 0.01), ("resolved", 0.18), ("closed", 0.80)]
    for state, share in table:
        if r < share:
            break
        r -= share
    if state in ("resolved", "closed"):
        return state, min(age_days, rng.uniform(0.1, 10.0))
    return state, None


def migrate(build_dir, config):
    subprocess.run([os.path.join(build_dir, "bin", "cxloopctl"), "migrate", "--config", config],
                   check=True, capture_output=True, text=True)


def database_path(config):
    with open(config) as f:
        url = json.load(f)["storage"]["url"]
    if not url.startswith("sqlite:"):
        raise SystemExit("bulk_fill.py writes SQLite databases only; storage.url is " + url)
    return url[len("sqlite:"):]


def fill(db_path, cases, batch, seed, say):
    texts = read_texts()
    rng = random.Random(seed)
    db = sqlite3.connect(db_path, isolation_level=None)
    # A bench database written once: no rollback journal and no syncs while filling (each
    # page written once instead of into the WAL and again at the checkpoint); back to the WAL
    # mode cxloopd uses at the end.
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MiB
    for table in ("cases", "customers", "case_messages"):
        if db.execute("SELECT count(*) FROM " + table).fetchone()[0]:
            raise SystemExit("bulk_fill.py needs an empty database; %s already has rows" % table)
    # The tables' own indexes are dropped while filling and made again at the end, each built
    # in one sorted pass instead of row by row (triggers stay: they fill what they keep).
    indexes = [row[0] for row in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('cases', 'customers', 'case_messages')")]
    for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('cases', 'customers', 'case_messages')").fetchall():
        db.execute('DROP INDEX "%s"' % name)
    end = time.time()
    start = end - 730 * DAY
    step = (end - start) / cases
    returning = {}  # e-mail of a returning customer -> id, once created
    customer_id = 0
    started = time.monotonic()
    written = 0
    while written < cases:
        customers_rows, case_rows, message_rows = [], [], []
        for case_id in range(written + 1, min(cases, written + batch) + 1):
            created = start + (case_id - 1 + rng.random()) * step
            at = rfc3339(created)
            name = rng.choice(texts["first_names"]) + " " + rng.choice(texts["last_names"])
            cid = None
            if rng.random() < RETURNING_SHARE:
                email = "customer%04d@example.com" % rng.randrange(RETURNING_CUSTOMERS)
                cid = returning.get(email)
            else:
                email = "new-%d@example.org" % case_id
            if cid is None:
                customer_id += 1
                cid = customer_id
                if email.startswith("customer"):
                    returning[email] = cid
                customers_rows.append((cid, name, email, at, at))
            category, sku, subject, body = rng.choice(texts["problems"])
            order = rng.randint(100000, 999999)
            subject, body = subject % order, body % order
            channel = rng.choice(texts["channels"])
            batch_code = "B%02d%02d" % (rng.randint(24, 26), rng.randint(1, 52))
            priority = rng.choices(["normal", "high", "low", "urgent"], [85, 10, 4, 1])[0]
            state, resolved_after = state_for((end - created) / DAY, rng)
            resolved_at = rfc3339(created + resolved_after * DAY) if resolved_after else None
            updated_at = resolved_at or at
            revision = 1 if state == "new" else rng.randint(2, 4)
            case_rows.append((case_id, "CS-%06d" % case_id, cid, channel, subject, body,
                              category, sku, batch_code, priority, state, revision, at,
                              updated_at, resolved_at))
            message_rows.append((case_id, case_id, channel, email, body, at))
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO customers (id, name, email, opt_outs, attributes, revision, created_at,"
            " updated_at) VALUES (?, ?, ?, '[]', '{}', 1, ?, ?)", customers_rows)
        db.executemany(
            "INSERT INTO cases (id, number, customer_id, channel, subject, description,"
            " category, sku, batch, priority, state, revision, created_at, updated_at,"
            " resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", case_rows)
        db.executemany(
            "INSERT INTO case_messages (id, case_id, direction, channel, author, body,"
            " attributes, created_at) VALUES (?, ?, 'inbound', ?, ?, ?, '{}', ?)", message_rows)
        db.execute("COMMIT")
        written += len(case_rows)
        if written % (batch * 10) == 0 or written == cases:
            say("bulk fill: %d of %d cases (%.0f s)" % (written, cases, time.monotonic() - started))
    for sql in indexes:
        db.execute(sql)
    say("bulk fill: %d indexes made again (%.0f s)" % (len(indexes), time.monotonic() - started))
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    return {"cases": cases, "customers": customer_id, "fill_s": round(time.monotonic() - started, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True, help="where bin/cxloopctl is")
    parser.add_argument("--config", required=True, help="cxloopd config naming a sqlite: url")
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--batch", type=int, default=50000, help="cases per transaction")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    if args.cases < 1:
        raise SystemExit("--cases must be at least 1")
    migrate(args.build_dir, args.config)
    result = fill(database_path(args.config), args.cases, args.batch, args.seed,
                  lambda m: print("bench: " + m, file=sys.stderr, flush=True))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
