#!/usr/bin/env python3
"""Prints the bundled config/cxloop.json (every bundled plugin enabled) adapted to a benchmark
run: data, database and postcard directory under DATA_DIR, HTTP and chat on 127.0.0.1 port 0,
plugins from BUILD_DIR/plugins, the console from the source tree, HTTP_THREADS pool threads.

  full_config.py REPO_DIR BUILD_DIR DATA_DIR HTTP_THREADS > cxloop.json

Everything else stays as shipped, so the footprint measured is the default installation's.
"""
import json
import os
import sys

repo, build, data, threads = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3], int(sys.argv[4])
with open(os.path.join(repo, "config", "cxloop.json")) as f:
    config = json.load(f)
config["data_dir"] = data
config["http"].update({"listen": "127.0.0.1", "port": 0, "threads": threads})
config["storage"]["url"] = "sqlite:" + os.path.join(data, "cxloop.db")
config.setdefault("console", {})["directory"] = os.path.join(os.path.abspath(repo), "console")
config["plugins"]["directories"] = [os.path.join(build, "plugins")]
instances = config["plugins"]["instances"]
for instance in instances.values():
    settings = instance.setdefault("settings", {})
    if instance.get("plugin") == "chat":
        settings["port"] = 0
    if instance.get("plugin") == "postcard":
        settings["directory"] = os.path.join(data, "postcards")
json.dump(config, sys.stdout, indent=1)
print()
