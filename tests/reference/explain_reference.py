"""An independent reference for `slamon explain`.

Given one ticket's events, its account's upserts and updates, the SLA sections of a
config (as a dict: the JSON form of the YAML) and an as-of instant, computes
every SLA instance of the ticket with its counted intervals and its labelled
not-counted gaps, following docs/sla-semantics.md ("SLA instances",
"Business elapsed time", "Extensions", "Explaining a verdict"). It shares no
code with slamon: the standard library only, time zones from zoneinfo.

Config values it reads: calendars[].{name, timezone, hours, holidays,
overrides}; policies[].{name, match, calendar, use_account_calendar,
targets, group_targets, pause_on, pause_metrics}. Durations must be integer
seconds (the generator writes them so).
"""

import datetime as dt
import zoneinfo

DAY = 86400
RANKS = {
    "account.upserted": 0, "account.updated": 1, "account.churned": 2, "ticket.opened": 3,
    "ticket.status_changed": 4, "ticket.priority_changed": 5, "ticket.assigned": 6, "ticket.replied": 7,
    "ticket.resolved": 8, "ticket.reopened": 9, "survey.answered": 10, "interaction.logged": 11,
    "order.placed": 12,
}
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
            "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
EPOCH = dt.date(1970, 1, 1)


def parse_time(s):
    """RFC 3339 with Z or an offset -> Unix seconds (fractions dropped)."""
    s = s.replace("z", "Z").replace("t", "T")
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    main, off = s[:-6], s[-6:]
    main = main.split(".")[0]
    naive = dt.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S")
    sign = 1 if off[0] == "+" else -1
    offset = sign * (int(off[1:3]) * 3600 + int(off[4:6]) * 60)
    return int((naive - dt.datetime(1970, 1, 1)).total_seconds()) - offset


def fmt(t):
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")


def clock(s):
    h, m = s.split(":")
    return int(h) * 3600 + int(m) * 60


def intervals(spec):
    out = []
    for item in spec:
        a, b = item.split("-")
        out.append((clock(a), clock(b)))
    return out


class Calendar:
    """Working time: per local date, the weekly hours (or the date's override)
    converted to UTC; a boundary in a DST gap maps to the gap's end, one in a
    repeated hour to its first occurrence; holidays remove whole dates."""

    def __init__(self, spec):
        self.name = spec["name"]
        self.always = spec.get("always", False)
        self.tz = None if self.always else zoneinfo.ZoneInfo(spec["timezone"])
        self.weekly = {d: [] for d in range(7)}
        for day, hours in (spec.get("hours") or {}).items():
            self.weekly[WEEKDAYS[day]] = intervals(hours)
        self.holidays = {dt.date.fromisoformat(d) for d in spec.get("holidays") or []}
        self.overrides = {dt.date.fromisoformat(d): intervals(h) for d, h in (spec.get("overrides") or {}).items()}
        self._midnights = {}

    def local_to_utc(self, date, seconds):
        date = date + dt.timedelta(days=seconds // DAY)
        seconds %= DAY
        if self.always:
            return (date - EPOCH).days * DAY + seconds
        naive = dt.datetime(date.year, date.month, date.day) + dt.timedelta(seconds=seconds)
        first = int(naive.replace(tzinfo=self.tz, fold=0).timestamp())
        if self.wall(first) == naive:
            return first  # exists; fold=0 is the first of a repeated hour
        # In a gap: the first instant whose wall clock is at or after `naive`.
        lo, hi = sorted((int(naive.replace(tzinfo=self.tz, fold=1).timestamp()), first))
        while lo < hi:
            mid = (lo + hi) // 2
            if self.wall(mid) >= naive:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def wall(self, t):
        return dt.datetime.fromtimestamp(t, self.tz).replace(tzinfo=None)

    def midnight(self, date):
        if date not in self._midnights:
            self._midnights[date] = self.local_to_utc(date, 0)
        return self._midnights[date]

    def date_of(self, t):
        """The local date whose [midnight, next midnight) holds t."""
        if self.always:
            d = EPOCH + dt.timedelta(days=t // DAY)
        else:
            d = self.wall(t).date()
        while self.midnight(d) > t:
            d -= dt.timedelta(days=1)
        while self.midnight(d + dt.timedelta(days=1)) <= t:
            d += dt.timedelta(days=1)
        return d

    def hours_of(self, date):
        if date in self.holidays:
            return []
        if date in self.overrides:
            return self.overrides[date]
        return self.weekly[date.weekday()]

    def ranges(self, date, hours):
        out = []
        for a, b in hours:
            lo, hi = self.local_to_utc(date, a), self.local_to_utc(date, b)
            if hi > lo:
                out.append((lo, hi))
        return out

    def working(self, frm, to):
        if to <= frm:
            return []
        if self.always:
            return [(frm, to)]
        out = []
        d = self.date_of(frm) - dt.timedelta(days=1)
        last = self.date_of(to) + dt.timedelta(days=1)
        while d <= last:
            out.extend(self.ranges(d, self.hours_of(d)))
            d += dt.timedelta(days=1)
        return clip(merge(out), frm, to)


def merge(rs):
    out = []
    for a, b in sorted(rs):
        if out and out[-1][1] >= a:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def clip(rs, frm, to):
    return [(max(a, frm), min(b, to)) for a, b in rs if b > frm and a < to and min(b, to) > max(a, frm)]


def subtract(rs, cuts):
    out = []
    for a, b in rs:
        pieces = [(a, b)]
        for c, d in cuts:
            nxt = []
            for x, y in pieces:
                if d <= x or c >= y:
                    nxt.append((x, y))
                    continue
                if c > x:
                    nxt.append((x, c))
                if d < y:
                    nxt.append((d, y))
            pieces = nxt
        out.extend(pieces)
    return merge_touching(sorted(out))


def merge_touching(rs):
    out = []
    for a, b in rs:
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


class Config:
    def __init__(self, doc):
        self.calendars = {"24x7": Calendar({"name": "24x7", "always": True})}
        for c in doc.get("calendars") or []:
            self.calendars[c["name"]] = Calendar(c)
        self.policies = doc.get("policies") or []

    def select(self, tier, priority, channel, team):
        for i, p in enumerate(self.policies):
            m = p.get("match") or {}
            if "tier" in m and tier not in m["tier"]:
                continue
            if "priority" in m and priority not in m["priority"]:
                continue
            if "channel" in m and (not channel or channel not in m["channel"]):
                continue
            if "team" in m and (not team or team not in m["team"]):
                continue
            return i
        return -1

    def target(self, policy, metric, group):
        p = self.policies[policy]
        if metric == "assignment":
            return (p.get("group_targets") or {}).get(group)
        return (p.get("targets") or {}).get(metric)


def canonical(events):
    return sorted(events, key=lambda e: (parse_time(e["occurred_at"]), RANKS[e["type"]], e["id"]))


def fold(config, ticket_events, account_events, as_of):
    """The ticket's instances: dicts with metric, cycle, policy, start, stop, group;
    and the ticket's status history and account calendar."""
    evs = [e for e in canonical(ticket_events) if parse_time(e["occurred_at"]) <= as_of]
    st = {"opened": False, "instances": [], "statuses": [], "policy": -1, "agent": False, "resolved": False,
          "cycles": {m: {"running": False, "n": 0, "inst": None} for m in
                     ("first_response", "next_response", "resolution", "assignment")},
          "group": None}

    def start(metric, t, group=None):
        c = st["cycles"][metric]
        c["running"], c["n"], c["inst"] = True, c["n"] + 1, None
        if st["policy"] < 0 or config.target(st["policy"], metric, group) is None:
            return
        c["inst"] = {"metric": metric, "cycle": c["n"], "policy": st["policy"], "start": t, "stop": None,
                     "group": group}
        st["instances"].append(c["inst"])

    def stop(metric, t):
        c = st["cycles"][metric]
        if c["running"]:
            c["running"] = False
            if c["inst"] is not None:
                c["inst"]["stop"] = t

    for e in evs:
        t = parse_time(e["occurred_at"])
        kind = e["type"]
        if not st["opened"]:
            if kind != "ticket.opened":
                continue
            st["opened"] = True
            view = account_at(account_events, t)
            st["tier"], st["team"], st["channel"] = view["tier"], view["team"], e.get("channel") or ""
            st["account_calendar"] = config.calendars.get(view["calendar"]) if view["calendar"] else None
            st["policy"] = config.select(st["tier"], e["priority"], st["channel"], st["team"])
            st["statuses"].append((t, "open"))
            start("first_response", t)
            start("resolution", t)
            continue
        if kind == "ticket.status_changed":
            if st["statuses"][-1][1] != e["status"]:
                st["statuses"].append((t, e["status"]))
        elif kind == "ticket.priority_changed":
            st["policy"] = config.select(st["tier"], e["priority"], st["channel"], st["team"])
            if st["policy"] >= 0:
                for c in st["cycles"].values():
                    inst = c["inst"]
                    if c["running"] and inst is not None and \
                            config.target(st["policy"], inst["metric"], inst["group"]) is not None:
                        inst["policy"] = st["policy"]
        elif kind == "ticket.assigned":
            g = e["group"]
            if st["resolved"]:
                st["group"] = g
            elif not (st["cycles"]["assignment"]["running"] and st["group"] == g):
                stop("assignment", t)
                st["group"] = g
                start("assignment", t, g)
        elif kind == "ticket.replied":
            if not e.get("public", True):
                continue
            if e["author"] == "customer":
                if st["agent"] and not st["resolved"] and not st["cycles"]["next_response"]["running"]:
                    start("next_response", t)
            else:
                st["agent"] = True
                stop("first_response", t)
                stop("next_response", t)
        elif kind == "ticket.resolved":
            if not st["resolved"]:
                st["resolved"] = True
                stop("resolution", t)
                stop("next_response", t)
                stop("assignment", t)
        elif kind == "ticket.reopened":
            if st["resolved"]:
                st["resolved"] = False
                start("resolution", t)
                if st["group"] is not None:
                    start("assignment", t, st["group"])
    return st


def account_at(account_events, t):
    """Field by field, the latest account.upserted or account.updated at or
    before t (canonical order) that sets the field; an upsert sets every
    field, an update those it carries (an empty string clears)."""
    view = {"tier": "unknown", "team": "", "calendar": ""}
    for e in canonical(account_events):
        if parse_time(e["occurred_at"]) > t:
            break
        for field in view:
            if e["type"] == "account.upserted":
                view[field] = e.get(field) or ("unknown" if field == "tier" else "")
            elif e.get(field) is not None:
                view[field] = e[field]
    return view


def label_gaps(cal, frm, to, counted, pauses):
    """Not-counted gaps of [frm, to): paused > holiday > override > outside_hours."""
    gaps = subtract([(frm, to)], counted) if to > frm else []
    out = []

    def emit(a, b, why, status=None):
        if b <= a:
            return
        if out and out[-1]["to"] == a and out[-1]["why"] == why and out[-1].get("status") == status:
            out[-1]["to"] = b
            return
        item = {"from": a, "to": b, "why": why}
        if status is not None:
            item["status"] = status
        out.append(item)

    for a, b in gaps:
        # Split at every pause boundary and every local midnight, then label each piece.
        cuts = {a, b}
        for pa, pb, _ in pauses:
            cuts.update(x for x in (pa, pb) if a < x < b)
        d = cal.date_of(a)
        while True:
            m = cal.midnight(d + dt.timedelta(days=1))
            if m >= b:
                break
            cuts.add(m)
            d += dt.timedelta(days=1)
        points = sorted(cuts)
        for x, y in zip(points, points[1:]):
            status = next((s for pa, pb, s in pauses if pa <= x < pb), None)
            if status is not None:
                emit(x, y, "paused", status)
                continue
            date = cal.date_of(x)
            if not cal.always and date in cal.holidays:
                emit(x, y, "holiday")
            elif not cal.always and date in cal.overrides:
                weekly = cal.ranges(date, cal.weekly[date.weekday()])
                at = x
                for wa, wb in weekly:
                    if wb <= at or wa >= y:
                        continue
                    emit(at, max(at, wa), "outside_hours")
                    at = max(at, wa)
                    emit(at, min(y, wb), "override")
                    at = min(y, wb)
                emit(at, y, "outside_hours")
            else:
                emit(x, y, "outside_hours")
    return out


def explain(config_doc, ticket_events, account_events, as_of):
    """Every instance of the ticket at as_of: metric, cycle, policy, start, stop,
    elapsed_seconds, counted [[from, to]] and not_counted [{from, to, why[, status]}]."""
    config = Config(config_doc)
    st = fold(config, ticket_events, account_events, as_of)
    if not st["opened"]:
        return None
    out = []
    for inst in sorted(st["instances"], key=lambda i: (["assignment", "first_response", "next_response",
                                                        "resolution"].index(i["metric"]), i["cycle"])):
        p = config.policies[inst["policy"]]
        cal = config.calendars[p.get("calendar", "24x7")]
        if p.get("use_account_calendar") and st["account_calendar"] is not None:
            cal = st["account_calendar"]
        stopped = inst["stop"] is not None and inst["stop"] <= as_of
        end = inst["stop"] if stopped else max(as_of, inst["start"])
        pause_on = p.get("pause_on", ["pending", "on_hold"])
        pause_metrics = p.get("pause_metrics", ["resolution", "next_response", "assignment"])
        pauses = []  # (from, to, status), per status segment
        statuses = st["statuses"]
        for i, (t, s) in enumerate(statuses):
            if s not in pause_on or inst["metric"] not in pause_metrics:
                continue
            a = max(t, inst["start"])
            b = min(statuses[i + 1][0] if i + 1 < len(statuses) else end, end)
            if b > a:
                pauses.append((a, b, s))
        counted = subtract(cal.working(inst["start"], end), [(a, b) for a, b, _ in pauses])
        out.append({
            "metric": inst["metric"], "cycle": inst["cycle"], "policy": p["name"],
            "start": fmt(inst["start"]), "stop": fmt(inst["stop"]) if stopped else None,
            "elapsed_seconds": sum(b - a for a, b in counted),
            "counted": [[fmt(a), fmt(b)] for a, b in counted],
            "not_counted": [dict(g, **{"from": fmt(g["from"]), "to": fmt(g["to"])})
                            for g in label_gaps(cal, inst["start"], end, counted, pauses)],
        })
    return out

