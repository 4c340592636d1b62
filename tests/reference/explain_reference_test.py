#!/usr/bin/env python3
"""Compares `slamon explain --format json` with the independent reference
(explain_reference.py) on random histories over awkward calendars: zones that
change their clocks at midnight, by 30 minutes or at a 45-minute offset,
holiday weeks next to make-up weekends, split days, half days, closed days
and hours inside the DST hour.

For each seed: a random config (written as JSON, which is YAML) and random
events, imported into a fresh store with `slamon import --store`; then every
ticket is explained at a random instant by slamon and by the reference, and
each SLA instance must agree on its policy, start, stop, elapsed time, counted
intervals and labelled gaps.

Usage: explain_reference_test.py --slamon PATH [--seeds N] [--tickets N] [--first-seed S]
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import explain_reference as ref  # noqa: E402

ZONES = ["America/Santiago", "Australia/Lord_Howe", "Pacific/Chatham", "America/New_York", "Europe/London",
         "America/Havana", "Asia/Shanghai", "Asia/Kolkata"]
# Starts of 30-day windows that hold clock changes of those zones.
WINDOWS = ["2026-03-01", "2026-03-28", "2026-09-01", "2026-10-01"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
STATUSES = ["open", "pending", "on_hold", "solved", "closed"]
PRIORITIES = ["urgent", "high", "normal", "low"]


# Boundaries inside the clock changes of ZONES: 00:30 (Santiago, Havana: midnight),
# 01:30 (London; New York's repeated hour), 02:15 (New York, Lord Howe), 03:15 (Chatham).
DST_HOURS = ["00:30-01:30", "02:15-03:15", "04:00-06:00"]


def hours(rng):
    pick = rng.randrange(8)
    if pick == 7:
        return DST_HOURS
    if pick == 0:
        return ["00:00-24:00"]
    if pick == 1:
        return ["09:00-12:00", "13:30-18:00"]  # a split day
    if pick == 2:
        return ["01:30-03:30", "08:00-12:00"]  # through the usual DST hour
    if pick == 3:
        return ["00:00-02:00", "20:00-24:00"]  # touches the next and the previous day
    if pick == 4:
        return ["00:00-00:30", "23:30-24:00"]  # midnight, where some zones change clocks
    cuts = sorted(rng.sample(range(0, 49), 4))
    return ["%02d:%02d-%02d:%02d" % (cuts[0] // 2, cuts[0] % 2 * 30, cuts[1] // 2, cuts[1] % 2 * 30),
            "%02d:%02d-%02d:%02d" % (cuts[2] // 2, cuts[2] % 2 * 30, cuts[3] // 2, cuts[3] % 2 * 30)]


def calendar(rng, name, first):
    weekly = {}
    for wd in WEEKDAYS:
        if wd == "sun" and rng.random() < 0.5:
            weekly[wd] = DST_HOURS  # most clocks change on a Sunday
            continue
        if wd in ("sat", "sun") and rng.random() < 0.7:
            continue
        if rng.random() < 0.15:
            continue
        weekly[wd] = hours(rng)
    holidays, overrides, make_up = set(), {}, []
    for _ in range(rng.randrange(1, 3)):
        # A holiday week with make-up weekend days around it (调休).
        start = first + dt.timedelta(days=rng.randrange(0, 30))
        for i in range(rng.randrange(2, 6)):
            holidays.add(start + dt.timedelta(days=i))
        make_up += [start - dt.timedelta(days=rng.randrange(1, 4)), start + dt.timedelta(days=rng.randrange(6, 9))]
    for d in make_up:
        overrides[d] = hours(rng)
    for _ in range(rng.randrange(0, 4)):
        d = first + dt.timedelta(days=rng.randrange(0, 40))
        overrides[d] = [] if rng.random() < 0.4 else rng.choice([["09:00-12:00"], hours(rng)])
    overrides = {d: h for d, h in overrides.items() if d not in holidays}  # a date cannot be both
    return {"name": name, "timezone": rng.choice(ZONES), "hours": weekly,
            "holidays": sorted(d.isoformat() for d in holidays),
            "overrides": {d.isoformat(): h for d, h in sorted(overrides.items())}}


def policy(rng, name, match, calendars):
    p = {"name": name, "match": match, "calendar": rng.choice(calendars + ["24x7"]),
         "use_account_calendar": rng.random() < 0.5,
         "targets": {"first_response": rng.randrange(1, 16) * 900, "next_response": rng.randrange(1, 9) * 3600,
                     "resolution": rng.randrange(2, 41) * 3600},
         "group_targets": {"tech": 3 * 3600, "after_sales": 5400}}
    if rng.random() < 0.7:
        p["pause_on"] = [s for s in ("pending", "on_hold", "solved") if rng.random() < 0.6]
    if rng.random() < 0.7:
        p["pause_metrics"] = [m for m in ("resolution", "next_response", "first_response", "assignment")
                              if rng.random() < 0.6]
    return p


def config(rng, first):
    names = ["east-cal", "west-cal", "night"]
    cals = [calendar(rng, n, first) for n in names]
    return {"calendars": cals, "policies": [
        policy(rng, "phone", {"tier": ["A"], "channel": ["phone"]}, names),
        policy(rng, "urgent", {"priority": ["urgent"]}, names),
        policy(rng, "team-east", {"tier": ["A", "B"], "team": ["east"]}, names),
        policy(rng, "ab", {"tier": ["A", "B"]}, names),
        policy(rng, "rest", {"priority": ["high", "normal"]}, names),
    ]}


def rfc3339(t):
    return ref.fmt(t)


def events(rng, seed, first, tickets):
    begin = int((dt.datetime.combine(first, dt.time()) - dt.datetime(1970, 1, 1)).total_seconds())
    out, n = [], [0]

    def add(kind, t, account, **fields):
        n[0] += 1
        e = {"id": "s%d-e%05d" % (seed, n[0]), "type": kind, "occurred_at": rfc3339(t), "account_id": account}
        e.update(fields)
        out.append(e)
        return e

    accounts = ["acct-%d" % i for i in range(6)]
    for a in accounts:
        for _ in range(rng.randrange(1, 4)):
            t = begin + rng.randrange(-5 * 86400, 30 * 86400)
            add("account.upserted", t, a, name=a, tier=rng.choice(["A", "B", "C"]), owner="owner-%d" % rng.randrange(3),
                team=rng.choice(["east", "west", ""]) or None,
                calendar=rng.choice(["east-cal", "west-cal", "night", "nowhere", ""]) or None)
            # Partial updates, some at the same second as the upsert (the update wins).
            for _ in range(rng.randrange(0, 3)):
                fields = {"tier": rng.choice(["A", "B", "C", None]), "team": rng.choice(["east", "west", "", None]),
                          "calendar": rng.choice(["east-cal", "night", "", None])}
                fields = {k: v for k, v in fields.items() if v is not None}
                if fields:
                    add("account.updated", t if rng.random() < 0.3 else begin + rng.randrange(-5 * 86400, 30 * 86400),
                        a, **fields)
    for i in range(tickets):
        ticket, account = "S%d-T%03d" % (seed, i), rng.choice(accounts)
        t = begin + rng.randrange(0, 25 * 86400)
        if rng.random() < 0.1:
            add("ticket.replied", t - 600, account, ticket_id=ticket, author="agent")
        add("ticket.opened", t, account, ticket_id=ticket, priority=rng.choice(PRIORITIES),
            channel=rng.choice(["phone", "email", None]))
        resolved = False
        for _ in range(rng.randrange(0, 12)):
            t += 0 if rng.random() < 0.15 else rng.randrange(60, 2 * 86400)
            k = rng.randrange(10)
            if k < 3:
                add("ticket.replied", t, account, ticket_id=ticket, author=rng.choice(["agent", "customer"]),
                    public=rng.random() < 0.85)
            elif k < 5:
                add("ticket.status_changed", t, account, ticket_id=ticket, status=rng.choice(STATUSES))
            elif k == 5:
                add("ticket.priority_changed", t, account, ticket_id=ticket, priority=rng.choice(PRIORITIES))
            elif k == 6:
                add("ticket.reopened" if resolved else "ticket.resolved", t, account, ticket_id=ticket)
                resolved = not resolved
            else:
                add("ticket.assigned", t, account, ticket_id=ticket,
                    group=rng.choice(["tech", "after_sales", "sales"]))
    for e in out:
        for k in [k for k, v in e.items() if v is None]:
            del e[k]
    return out, begin


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def compare(seed, ticket, got_lines, want):
    problems = []
    got = [json.loads(line) for line in got_lines if line.strip()]
    if len(got) != len(want):
        return ["%s: slamon has %d instances, the reference %d" % (ticket, len(got), len(want))]
    for g, w in zip(got, want):
        where = "seed %d %s %s #%d" % (seed, ticket, w["metric"], w["cycle"])
        for key in ("metric", "cycle", "policy", "start", "stop", "elapsed_seconds", "counted", "not_counted"):
            if g.get(key) != w[key]:
                problems.append("%s: %s differs:\n  slamon    %s\n  reference %s" % (where, key, g.get(key), w[key]))
        total = sum(ref.parse_time(b) - ref.parse_time(a) for a, b in g["counted"])
        if total != g["elapsed_seconds"]:
            problems.append("%s: counted sums to %d, elapsed_seconds is %d" % (where, total, g["elapsed_seconds"]))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slamon", required=True)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--tickets", type=int, default=40)
    args = ap.parse_args()
    compared, problems = 0, []
    with tempfile.TemporaryDirectory(prefix="slamon-explain-ref-") as tmp:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            rng = random.Random(seed)
            first = dt.date.fromisoformat(WINDOWS[seed % len(WINDOWS)])
            doc = config(rng, first)
            evs, begin = events(rng, seed, first, args.tickets)
            cfg, data, store = (os.path.join(tmp, "%s-%d" % (x, seed)) for x in ("config.yaml", "events.jsonl", "store"))
            with open(cfg, "w") as f:
                json.dump(doc, f, indent=1)  # JSON is YAML
            with open(data, "w") as f:
                for e in evs:
                    f.write(json.dumps(e) + "\n")
            r = run([args.slamon, "import", "--store", store, "--file", data])
            if r.returncode != 0:
                print("import failed:", r.stderr, file=sys.stderr)
                return 1
            as_of = begin + rng.randrange(10 * 86400, 40 * 86400)
            by_ticket, upserts = {}, {}
            for e in evs:
                if e["type"] in ("account.upserted", "account.updated"):
                    upserts.setdefault(e["account_id"], []).append(e)
                elif "ticket_id" in e:
                    by_ticket.setdefault(e["ticket_id"], []).append(e)
            for ticket, tevs in sorted(by_ticket.items()):
                opened = [e for e in ref.canonical(tevs) if e["type"] == "ticket.opened"]
                account = opened[0]["account_id"] if opened else tevs[0]["account_id"]
                want = ref.explain(doc, tevs, upserts.get(account, []), as_of)
                r = run([args.slamon, "explain", "--store", store, "--config", cfg, "--ticket", ticket, "--as-of",
                         ref.fmt(as_of), "--policy", "current", "--format", "json"])
                if want is None:
                    if r.returncode != 1 or "unknown ticket" not in r.stderr:
                        problems.append("%s: not opened by as-of, but slamon said %d %s" % (ticket, r.returncode,
                                                                                            r.stderr))
                    continue
                if r.returncode != 0:
                    problems.append("%s: slamon explain failed: %s" % (ticket, r.stderr))
                    continue
                problems.extend(compare(seed, ticket, r.stdout.splitlines(), want))
                compared += len(want)
    for p in problems[:20]:
        print(p, file=sys.stderr)
    print("compared %d SLA instances over %d seeds: %d disagreements" % (compared, args.seeds, len(problems)))
    if compared < args.seeds * args.tickets // 2:
        print("too few instances compared", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
