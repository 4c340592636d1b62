#!/usr/bin/env python3
"""Offline validation of the slamon Grafana dashboards (Grafana is not installable here).

Checks every dashboards/*.json for the structure docs/metrics.md asks for:
  - stable, unique uid (slamon-sla, slamon-health, slamon-pipeline), a title, schemaVersion;
  - templating variables `datasource` (type datasource, prometheus), `tier` and
    `account_owner` (query variables over label_values, multi, include All = .*);
  - every panel: unique id, gridPos inside the 24-column grid without overlaps,
    a datasource reference to the `datasource` variable, >= 1 target with a
    non-empty expr, unique refIds; `$tier` / `$account_owner` used only as
    regex matchers (`=~"$tier"`, the variables are multi-valued); histogram
    buckets never matched with `le="..."` (Prometheus 3 renders 14400 as
    "14400.0": use `le=~"14400(\\.0)?"`).
Then substitutes the Grafana variables ($tier, $account_owner -> .*,
$__rate_interval -> 5m, $__range -> 1h, ...), prints every expression, and
parses them all for real with `promtool check rules` (promtool 2.42 has no
PromQL parse subcommand, so they go into a temporary rule file as recording
rules).

  python3 dashboards/check.py                 # check, print expressions
  python3 dashboards/check.py --exprs out.jsonl   # also write JSON lines
      {"dashboard": uid, "panel": title, "panel_id": id, "ref": refId, "expr": substituted}
      for the end-to-end test to run against a live Prometheus ("-" = stdout).
      Variable queries are included as panel "variable <name>" (label_values
      turned into a `group by` query).

Exit status: 0 when every check passes, 1 otherwise.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# file name -> the uid it must keep (links and provisioning depend on it).
STABLE_UIDS = {
    "slamon-sla-overview.json": "slamon-sla",
    "slamon-customer-health.json": "slamon-health",
    "slamon-pipeline.json": "slamon-pipeline",
    "slamon-key-accounts.json": "slamon-key-accounts",
}
PANEL_TYPES = {"timeseries", "stat", "table", "gauge", "bargauge", "row", "text", "barchart", "piechart"}
DATASOURCE_REFS = {"${datasource}", "$datasource"}

# Grafana variables -> values for checking / running the expressions.
SUBSTITUTIONS = [
    (r"\$\{__rate_interval\}|\$__rate_interval\b", "5m"),
    (r"\$\{__interval_ms\}|\$__interval_ms\b", "60000"),
    (r"\$\{__interval\}|\$__interval\b", "1m"),
    (r"\$\{__range_ms\}|\$__range_ms\b", "3600000"),
    (r"\$\{__range_s\}|\$__range_s\b", "3600"),
    (r"\$\{__range\}|\$__range\b", "1h"),
    (r"\$\{tier(:regex|:pipe)?\}|\$tier\b", ".*"),
    (r"\$\{account_owner(:regex|:pipe)?\}|\$account_owner\b", ".*"),
]
MULTI_VALUE_VARS = ("tier", "account_owner")


class Checker:
    def __init__(self):
        self.errors = []

    def error(self, where, msg):
        self.errors.append(f"{where}: {msg}")


def substitute(expr):
    for pattern, value in SUBSTITUTIONS:
        expr = re.sub(pattern, value, expr)
    return expr


def check_variables(c, name, dash):
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if ds is None:
        c.error(name, "templating has no `datasource` variable")
    elif ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        c.error(name, "variable `datasource` must be type datasource with query prometheus")
    out = []
    for var in MULTI_VALUE_VARS:
        v = variables.get(var)
        where = f"{name}: variable {var}"
        if v is None:
            c.error(name, f"templating has no `{var}` variable")
            continue
        if v.get("type") != "query":
            c.error(where, "must be a query variable")
        if not v.get("multi") or not v.get("includeAll"):
            c.error(where, "must be multi-valued with an All option")
        if v.get("allValue") != ".*":
            c.error(where, 'allValue must be ".*" (matches series missing from a stale variable list)')
        if not isinstance(v.get("datasource"), dict) or v["datasource"].get("uid") not in DATASOURCE_REFS:
            c.error(where, "datasource must reference ${datasource}")
        query = v.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        m = re.fullmatch(r"\s*label_values\(\s*(?:([^,]+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", query or "")
        if not m or m.group(2) != var:
            c.error(where, f"query must be label_values(..., {var}), got {query!r}")
            continue
        selector = m.group(1) or f'{{{var}!=""}}'
        out.append((f"variable {var}", None, "var", f"group by ({var}) ({selector})"))
    return out


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def check_grid(c, name, panels):
    cells = {}
    for p in panels:
        where = f"{name}: panel {p.get('id')} {p.get('title')!r}"
        g = p.get("gridPos")
        if not isinstance(g, dict) or not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")):
            c.error(where, "gridPos with integer x, y, w, h is required")
            continue
        if g["x"] < 0 or g["y"] < 0 or g["w"] < 1 or g["h"] < 1 or g["x"] + g["w"] > 24:
            c.error(where, f"gridPos {g} is outside the 24-column grid")
            continue
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    c.error(where, f"gridPos overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p.get("id")
            else:
                continue
            break


def check_dashboard(c, path, seen_uids):
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        c.error(name, f"cannot load: {e}")
        return None, []
    uid = dash.get("uid")
    if not uid or not isinstance(uid, str):
        c.error(name, "uid missing")
    elif name in STABLE_UIDS and uid != STABLE_UIDS[name]:
        c.error(name, f"uid must stay {STABLE_UIDS[name]!r}, got {uid!r}")
    elif uid in seen_uids:
        c.error(name, f"uid {uid!r} also used by {seen_uids[uid]}")
    elif len(uid) > 40:
        c.error(name, "uid longer than 40 characters")
    seen_uids[uid] = name
    if not dash.get("title"):
        c.error(name, "title missing")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        c.error(name, "schemaVersion must be an integer >= 36")
    if "id" in dash and dash["id"] is not None:
        c.error(name, "dashboard id must be null or absent (provisioning assigns it)")

    exprs = check_variables(c, name, dash)

    panels = list(walk_panels(dash.get("panels", [])))
    if not panels:
        c.error(name, "no panels")
    ids = {}
    for p in panels:
        pid, title, ptype = p.get("id"), p.get("title"), p.get("type")
        where = f"{name}: panel {pid} {title!r}"
        if not isinstance(pid, int):
            c.error(where, "integer id required")
        elif pid in ids:
            c.error(where, f"id {pid} also used by {ids[pid]!r}")
        ids[pid] = title
        if not title:
            c.error(where, "title missing")
        if ptype not in PANEL_TYPES:
            c.error(where, f"unknown panel type {ptype!r}")
        if ptype in ("row", "text"):
            continue
        ds = p.get("datasource")
        if not isinstance(ds, dict) or ds.get("type") != "prometheus" or ds.get("uid") not in DATASOURCE_REFS:
            c.error(where, 'datasource must be {"type": "prometheus", "uid": "${datasource}"}')
        targets = p.get("targets") or []
        refs = set()
        n_exprs = 0
        for t in targets:
            ref = t.get("refId")
            if not ref or ref in refs:
                c.error(where, f"target refId {ref!r} missing or repeated")
            refs.add(ref)
            tds = t.get("datasource")
            if tds is not None and (not isinstance(tds, dict) or tds.get("uid") not in DATASOURCE_REFS):
                c.error(where, f"target {ref} datasource must reference ${{datasource}}")
            expr = (t.get("expr") or "").strip()
            if not expr:
                c.error(where, f"target {ref} has an empty expr")
                continue
            n_exprs += 1
            for var in MULTI_VALUE_VARS:
                for m in re.finditer(r"(!?[=~]{1,2})\s*\"\$\{?" + var + r"\b", expr):
                    if m.group(1) not in ("=~", "!~"):
                        c.error(where, f'target {ref}: multi-valued ${var} needs a regex matcher (=~"${var}")')
                if re.search(r"\$\{?" + var + r"\b", expr) and not re.search(r"=~\s*\"\$\{?" + var + r"\b", expr):
                    c.error(where, f'target {ref}: ${var} used outside a =~ matcher')
            if re.search(r"\ble\s*=\s*\"", expr):
                c.error(where, f'target {ref}: match histogram buckets with le=~"14400(\\\\.0)?", not le="..."')
            sub = substitute(expr)
            left = re.findall(r"\$\{?[A-Za-z_][A-Za-z0-9_:]*\}?", sub)
            if left:
                c.error(where, f"target {ref}: unknown variable(s) {', '.join(sorted(set(left)))}")
                continue
            exprs.append((title, pid, ref, sub))
        if n_exprs == 0:
            c.error(where, "needs at least one target with a non-empty expr")
    check_grid(c, name, [p for p in panels if p.get("type") != "row" or "gridPos" in p])
    return uid, exprs


def promtool_parse(c, promtool, items):
    """Parse every expression with `promtool check rules` (recording rules in a temp file)."""

    def write_rules(path, batch):
        with open(path, "w", encoding="utf-8") as f:
            f.write("groups:\n  - name: dashboard_exprs\n    rules:\n")
            for i, (_, _, _, _, expr) in enumerate(batch):
                f.write(f"      - record: dashboard_check:expr_{i}\n        expr: {json.dumps(expr)}\n")

    def run(batch):
        with tempfile.TemporaryDirectory(prefix="slamon-dash-") as d:
            path = os.path.join(d, "exprs.yml")
            write_rules(path, batch)
            r = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
            return r.returncode == 0, (r.stdout + r.stderr).strip()

    ok, _ = run(items)
    if ok:
        return
    # Pinpoint the failing expressions one by one.
    for item in items:
        ok, out = run([item])
        if not ok:
            uid, title, _, ref, expr = item
            msg = [line.strip() for line in out.splitlines() if line.strip() and "Checking" not in line]
            c.error(f"{uid}: panel {title!r} target {ref}", "promtool rejects the expression: " + " ".join(msg[-3:]))


def check_provisioning(c):
    ds = os.path.join(ROOT, "config", "grafana", "provisioning", "datasources", "slamon.yaml")
    db = os.path.join(ROOT, "config", "grafana", "provisioning", "dashboards", "slamon.yaml")
    for path, needles in ((ds, ["apiVersion: 1", "type: prometheus", "url: http://127.0.0.1:9090"]),
                          (db, ["apiVersion: 1", "type: file", "path:"])):
        rel = os.path.relpath(path, ROOT)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            c.error(rel, f"cannot read: {e}")
            continue
        for n in needles:
            if n not in text:
                c.error(rel, f"expected {n!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=HERE, help="directory with the dashboard JSON files")
    ap.add_argument("--exprs", metavar="FILE", help='write substituted expressions as JSON lines ("-" = stdout)')
    ap.add_argument("--promtool", default=os.environ.get("PROMTOOL", "promtool"), help="promtool binary")
    ap.add_argument("--no-promtool", action="store_true", help="skip the PromQL parse with promtool")
    ap.add_argument("--quiet", action="store_true", help="do not print the expressions")
    args = ap.parse_args()

    c = Checker()
    files = sorted(f for f in os.listdir(args.dir) if f.endswith(".json"))
    for required in STABLE_UIDS:
        if required not in files:
            c.error(required, "dashboard file missing")
    seen = {}
    items = []
    for f in files:
        uid, exprs = check_dashboard(c, os.path.join(args.dir, f), seen)
        items += [(uid, title, pid, ref, expr) for title, pid, ref, expr in exprs]
    if os.path.abspath(args.dir) == HERE:
        check_provisioning(c)

    out = sys.stderr if args.exprs == "-" else sys.stdout
    if not args.quiet:
        for uid, title, _, ref, expr in items:
            print(f"[{uid}] {title} ({ref}): {' '.join(expr.split())}", file=out)

    if not args.no_promtool:
        if shutil.which(args.promtool) is None:
            c.error("promtool", f"{args.promtool!r} not found (apt-get install prometheus) - or pass --no-promtool")
        elif items:
            promtool_parse(c, args.promtool, items)

    if args.exprs:
        lines = [json.dumps({"dashboard": uid, "panel": title, "panel_id": pid, "ref": ref, "expr": expr})
                 for uid, title, pid, ref, expr in items]
        if args.exprs == "-":
            print("\n".join(lines))
        else:
            with open(args.exprs, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")

    for e in c.errors:
        print(f"ERROR {e}", file=sys.stderr)
    n_dash = len(files)
    if c.errors:
        print(f"FAILED: {len(c.errors)} error(s) in {n_dash} dashboard(s)", file=sys.stderr)
        return 1
    print(f"OK: {n_dash} dashboards, {len(items)} expressions"
          f"{'' if args.no_promtool else ' parsed by promtool'}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
