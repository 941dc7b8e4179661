# Second differential oracle (not part of go test; see README.md): python-recurring-ical-events
# (Debian bookworm: apt-get install python3-recurring-ical-events, 2.0.1 with icalendar 4.0.3).
# Usage: /usr/bin/python3 rie.py FILE.ics FROM TO [FLOATING_TZ]
# Prints one JSON line per occurrence overlapping [FROM, TO), as oracle.mjs does, except that
# recurrence_id is empty for generated occurrences (2.0.1 does not set it): compare on uid,
# start, end and status.
import sys, datetime, json
import icalendar, recurring_ical_events, x_wr_timezone
try:
    from zoneinfo import ZoneInfo
except ImportError:
    from backports.zoneinfo import ZoneInfo
f, frm, to = sys.argv[1], sys.argv[2], sys.argv[3]
ftz = ZoneInfo(sys.argv[4] if len(sys.argv) > 4 else "UTC")
UTC = datetime.timezone.utc
def p(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
ws, we = p(frm), p(to)
data = open(f, 'rb').read()
cals = icalendar.Calendar.from_ical(data, multiple=True)
def inst(v):
    if v is None: return None
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None: v = v.replace(tzinfo=ftz)
        return v.astimezone(UTC)
    if isinstance(v, datetime.date):
        return datetime.datetime(v.year, v.month, v.day, tzinfo=ftz).astimezone(UTC)
    return None
def iso(d): return d.strftime("%Y-%m-%dT%H:%M:%SZ")
for cal in cals:
    try:
        cal = x_wr_timezone.to_standard(cal)
    except Exception:
        pass
    for ev in recurring_ical_events.of(cal).between(ws - datetime.timedelta(days=3), we + datetime.timedelta(days=3)):
        if ev.name != "VEVENT": continue
        uid = str(ev.get("UID", ""))
        if not uid: continue
        s = inst(ev.decoded("DTSTART")) if "DTSTART" in ev else None
        if s is None: continue
        e = inst(ev.decoded("DTEND")) if "DTEND" in ev else s
        keep = (s >= ws and s < we) if e == s else (s < we and e > ws)
        if not keep: continue
        rid = inst(ev.decoded("RECURRENCE-ID")) if "RECURRENCE-ID" in ev else None
        st = str(ev.get("STATUS", "CONFIRMED")).upper()
        st = "cancelled" if st in ("CANCELLED", "CANCELED") else "tentative" if st == "TENTATIVE" else "confirmed"
        print(json.dumps({"uid": uid, "recurrence_id": iso(rid) if rid else "", "start": iso(s), "end": iso(e), "status": st}, separators=(',', ':')))
