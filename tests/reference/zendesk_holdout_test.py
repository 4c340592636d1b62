#!/usr/bin/env python3
"""The Zendesk hold-out: organization and ticket webhooks through the real
bridge and daemon, compared with an independent reading of the same webhooks.

slamon's side: every delivery of tests/fixtures/webhooks/zendesk-holdout/
webhooks.jsonl is signed as Zendesk signs and POSTed to `slamon bridge`
(configured with source.json: exactly the organization keys of
docs/helpdesks.md), which produces to a fresh topic of the broker in
SLAMON_TEST_BROKERS; `slamon run --exit-on-eof` stores the topic and
`slamon replay` prints every SLA record.

The reference's side: the webhooks read as docs/helpdesks.md describes
Zendesk's events (ticket created / comment added / status and priority
changed; organization created, tags and custom fields changed), with no
slamon code, then the SLA clocks of explain_reference.py (the independent
reference of docs/sla-semantics.md). Every record must agree on tier,
policy, start, stop and elapsed seconds.

Usage: zendesk_holdout_test.py --slamon PATH [--as-of RFC3339]
Exit 0 when they agree (or, printing why, when no broker is configured), 1 otherwise.
"""

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import explain_reference as ref  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "fixtures", "webhooks", "zendesk-holdout")
SKIP = 77  # ctest SKIP_RETURN_CODE


# ------------------------------------------------------------ the reference

STATUS = {"new": "open", "open": "open", "pending": "pending", "hold": "on_hold", "solved": "solved",
          "closed": "closed"}


def read_webhooks(source, deliveries):
    """The events each delivery means, by the rules of docs/helpdesks.md:
    tickets -> ticket events (dicts with id, type, occurred_at, ...), and
    organizations -> account updates (type account.updated, the fields set)."""
    tickets, accounts = {}, {}
    orgs = source.get("organizations", {})
    tags, fields, owners = source.get("organization_tags", {}), source.get("organization_fields", {}), \
        source.get("owners", {})
    status_of = {}  # the ticket's last status, for transitions
    for d in deliveries:
        kind, at, detail, event = d["type"].split(":")[-1], d["time"][:19] + "Z", d["detail"], d.get("event") or {}
        if kind.startswith("organization."):
            account = orgs.get(detail["id"], detail["id"])
            what = kind.split(".", 1)[1]
            upd = {}
            if what in ("created", "name_changed"):
                upd["name"] = event.get("current") or detail["name"]
            elif what == "tags_changed":
                for t in event["removed"]["tags"]:
                    for f in tags.get(t, {}):
                        upd[f] = "unknown" if f == "tier" else ""
                for t in event["added"]["tags"]:
                    upd.update(tags.get(t, {}))
            elif what == "custom_field_changed":
                cf = event["custom_field"]
                target = fields.get(str(cf["id"]), fields.get(cf["title"]))
                if target:
                    v = event["current"]
                    v = v["id"] if isinstance(v, dict) else ("" if v is None else str(v))
                    if target == "owner":
                        v = owners.get(v, v)
                    upd[target] = v if v or target != "tier" else "unknown"
            if upd:
                accounts.setdefault(account, []).append(dict(upd, id=d["id"], type="account.updated",
                                                             occurred_at=at))
            continue
        what = kind.split(".", 1)[1]
        tid = detail["id"]
        account = orgs.get(detail["organization_id"], detail["organization_id"])
        evs = tickets.setdefault(tid, {"account": account, "events": []})["events"]
        base = {"id": "%s:%d" % (d["id"], len(evs)), "occurred_at": at, "ticket_id": tid}
        if what == "created":
            evs.append(dict(base, type="ticket.opened", priority=detail["priority"].lower(),
                            channel=detail["via"]["channel"]))
            status_of[tid] = "open"
        elif what == "comment_added":
            c = event["comment"]
            evs.append(dict(base, type="ticket.replied", author="agent" if c["author"]["is_staff"] else "customer",
                            public=c["is_public"]))
        elif what == "priority_changed":
            evs.append(dict(base, type="ticket.priority_changed", priority=event["current"].lower()))
        elif what == "status_changed":
            prev, cur = STATUS[event["previous"].lower()], STATUS[event["current"].lower()]
            if prev == cur:
                continue
            evs.append(dict(base, type="ticket.status_changed", status=cur))
            if cur == "solved" and prev not in ("solved", "closed"):
                evs.append(dict(base, id=base["id"] + "r", type="ticket.resolved"))
            if prev == "solved" and cur in ("open", "pending", "on_hold"):
                evs.append(dict(base, id=base["id"] + "o", type="ticket.reopened"))
            status_of[tid] = cur
    return tickets, accounts


def expected_records(source, sla, deliveries, as_of):
    tickets, accounts = read_webhooks(source, deliveries)
    t = ref.parse_time(as_of)
    out = {}
    for tid, tk in tickets.items():
        acct_events = accounts.get(tk["account"], [])
        opened = ref.parse_time(tk["events"][0]["occurred_at"])
        tier = ref.account_at(acct_events, opened)["tier"]
        for inst in ref.explain(sla, tk["events"], acct_events, t) or []:
            out[(tid, inst["metric"], inst["cycle"])] = {
                "tier": tier, "policy": inst["policy"], "start": inst["start"], "stop": inst["stop"],
                "elapsed_seconds": inst["elapsed_seconds"]}
    return out


# ---------------------------------------------------------------- slamon's

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, body, secret):
    ts = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = base64.b64encode(hmac.new(secret.encode(), (ts + body).encode(), hashlib.sha256).digest()).decode()
    req = urllib.request.Request("http://127.0.0.1:%d/webhooks/zendesk" % port, data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "X-Zendesk-Webhook-Signature-Timestamp": ts,
                                          "X-Zendesk-Webhook-Signature": sig})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_ready(port, proc, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


def slamon_records(slamon, brokers, source, sla, deliveries, as_of, work):
    topic = "holdout-%d-%d" % (os.getpid(), int(time.time()))
    daemon = dict(sla, store={"path": os.path.join(work, "store")}, http={"listen": "127.0.0.1:0"},
                  kafka={"brokers": brokers, "topics": [topic], "group_id": topic})
    daemon_path = os.path.join(work, "slamon.yaml")
    with open(daemon_path, "w") as f:
        json.dump(daemon, f)  # JSON is YAML
    subprocess.run([slamon, "topic", "create", "--config", daemon_path, "--partitions", "1"], check=True,
                   capture_output=True, timeout=120)
    port = free_port()
    bridge_path = os.path.join(work, "bridge.yaml")
    with open(bridge_path, "w") as f:
        json.dump({"http": {"listen": "127.0.0.1:%d" % port}, "kafka": {"brokers": brokers, "topic": topic},
                   "sources": {"zendesk": source}}, f)
    with open(os.path.join(work, "bridge.log"), "w") as log:
        bridge = subprocess.Popen([slamon, "bridge", "--config", bridge_path], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_ready(port, bridge):
            raise RuntimeError("the bridge did not become ready: " + open(os.path.join(work, "bridge.log")).read())
        for d in deliveries:
            status, answer = post(port, json.dumps(d, separators=(",", ":")), source["secret"])
            if status != 200:
                raise RuntimeError("delivery %s answered %d: %s" % (d["id"], status, answer))
    finally:
        bridge.terminate()
        bridge.wait(timeout=30)
    subprocess.run([slamon, "run", "--config", daemon_path, "--exit-on-eof"], check=True, capture_output=True,
                   timeout=180)
    replay = subprocess.run([slamon, "replay", "--store", os.path.join(work, "store"), "--config", daemon_path,
                             "--as-of", as_of, "--format", "jsonl", "--policy", "current"], check=True,
                            capture_output=True, text=True, timeout=120)
    out = {}
    for line in replay.stdout.splitlines():
        r = json.loads(line)
        out[(r["ticket_id"], r["metric"], r["cycle"])] = {
            "tier": r["tier"], "policy": r["policy"], "start": r["start"], "stop": r["stop"],
            "elapsed_seconds": r["elapsed_seconds"]}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slamon", required=True)
    ap.add_argument("--as-of", default="2026-11-24T12:00:00Z")
    args = ap.parse_args()
    brokers = os.environ.get("SLAMON_TEST_BROKERS", "")
    if not brokers:
        print("SLAMON_TEST_BROKERS is not set: start a broker with scripts/kafka start")
        return SKIP
    with open(os.path.join(FIXTURES, "source.json")) as f:
        source = json.load(f)
    with open(os.path.join(FIXTURES, "sla.json")) as f:
        sla = json.load(f)
    with open(os.path.join(FIXTURES, "webhooks.jsonl")) as f:
        deliveries = [json.loads(line) for line in f if line.strip()]
    expected = expected_records(source, sla, deliveries, args.as_of)
    with tempfile.TemporaryDirectory() as work:
        actual = slamon_records(args.slamon, brokers, source, sla, deliveries, args.as_of, work)
    failures = 0
    for key in sorted(set(expected) | set(actual)):
        e, a = expected.get(key), actual.get(key)
        if e != a:
            failures += 1
            print("MISMATCH %s\n  reference: %s\n  slamon:    %s" % (key, e, a))
    tiers = sorted({r["tier"] for r in expected.values()})
    policies = sorted({r["policy"] for r in expected.values()})
    print("%d deliveries; SLA records: %d by the reference, %d by slamon (tiers %s; policies %s); %d mismatches" %
          (len(deliveries), len(expected), len(actual), ", ".join(tiers), ", ".join(policies), failures))
    return 1 if failures or not expected else 0


if __name__ == "__main__":
    sys.exit(main())
