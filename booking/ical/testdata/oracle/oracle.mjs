// Differential oracle for booking/ical (not part of `go test`; see README.md).
//
//   node oracle.mjs FILE.ics FROM TO [--floating-tz=Europe/Amsterdam]
//
// Prints one JSON line per occurrence overlapping [FROM, TO): {uid, recurrence_id, start,
// end, status}, times in UTC. ical.js resolves in-feed VTIMEZONEs and expands RRULE, RDATE,
// EXDATE and RECURRENCE-ID; wall times of IANA zones and floating times are mapped to instants
// with Intl and the RFC 5545 rules (gap: offset before; ambiguous: first occurrence), since
// ical.js itself differs there (research/ical.md §4).
import fs from 'node:fs';
import ICAL from 'ical.js';

const [file, from, to, ...rest] = process.argv.slice(2);
const floatingTZ = (rest.find((a) => a.startsWith('--floating-tz=')) || '--floating-tz=UTC').split('=')[1];
let text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
if (!text.includes('\n')) text = text.replace(/\r/g, '\n');
const winStart = Date.parse(from);
const winEnd = Date.parse(to);

function offsetAt(ms, tz) {
  const dtf = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const p = Object.fromEntries(dtf.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - ms;
}

function isIANA(tz) {
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true; } catch { return false; }
}

function wallToUTC(t, tz) {
  const w = Date.UTC(t.year, t.month - 1, t.day, t.isDate ? 0 : t.hour, t.isDate ? 0 : t.minute, t.isDate ? 0 : t.second);
  const before = offsetAt(w - 86400e3, tz);
  const after = offsetAt(w + 86400e3, tz);
  const valid = [w - before, w - after].filter((c) => offsetAt(c, tz) === w - c);
  if (valid.length) return Math.min(...valid);
  return w - before; // in a gap: the offset before it
}

// toUTC maps an ical.js time to epoch ms. hint is the TZID parameter of the property: ical.js
// turns a TZID it cannot resolve into a floating time and forgets the name.
function toUTC(t, hint) {
  let tzid = t.zone && t.zone.tzid;
  if ((!tzid || tzid === 'floating') && hint && isIANA(hint)) tzid = hint;
  if (t.zone === ICAL.Timezone.utcTimezone || tzid === 'UTC') return t.toUnixTime() * 1000;
  if (tzid && tzid !== 'floating' && isIANA(tzid)) return wallToUTC(t, tzid);
  if (tzid && tzid !== 'floating' && t.zone !== ICAL.Timezone.localTimezone) return t.toUnixTime() * 1000;
  return wallToUTC(t, floatingTZ);
}

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

const tzOf = (c, name) => { const p = c.getFirstProperty(name); return p ? p.getParameter('tzid') : undefined; };

function emit(uid, rid, start, end, status, startHint, endHint) {
  const s = toUTC(start, startHint);
  const e = end ? toUTC(end, endHint || startHint) : s;
  const keep = e === s ? s >= winStart && s < winEnd : s < winEnd && e > winStart;
  if (!keep) return;
  const st = String(status || 'CONFIRMED').toUpperCase();
  const status2 = st === 'CANCELLED' || st === 'CANCELED' ? 'cancelled' : st === 'TENTATIVE' ? 'tentative' : 'confirmed';
  console.log(JSON.stringify({ uid, recurrence_id: rid ? iso(toUTC(rid, startHint)) : '', start: iso(s), end: iso(e), status: status2 }));
}

let parsed = ICAL.parse(text);
const roots = Array.isArray(parsed[0]) ? parsed.map((c) => new ICAL.Component(c)) : [new ICAL.Component(parsed)];
for (const root of roots) {
  for (const tz of root.getAllSubcomponents('vtimezone')) {
    const z = new ICAL.Timezone(tz);
    if (!isIANA(z.tzid)) ICAL.TimezoneService.register(z);
  }
  const cancelAll = String(root.getFirstPropertyValue('method') || '').toUpperCase() === 'CANCEL';
  const byUid = new Map();
  for (const ve of root.getAllSubcomponents('vevent')) {
    const uid = ve.getFirstPropertyValue('uid');
    if (!uid) continue;
    const e = byUid.get(uid) || { master: null, ex: [] };
    if (ve.hasProperty('recurrence-id')) e.ex.push(ve); else e.master = ve;
    byUid.set(uid, e);
  }
  for (const [uid, { master, ex }] of byUid) {
    const status = (c) => (cancelAll ? 'CANCELLED' : c.getFirstPropertyValue('status'));
    for (const c of ex) {
      const ee = new ICAL.Event(c);
      emit(uid, c.getFirstPropertyValue('recurrence-id'), ee.startDate, ee.endDate, status(c), tzOf(c, 'dtstart'), tzOf(c, 'dtend'));
    }
    if (!master) continue;
    const ev = new ICAL.Event(master, { strictExceptions: false });
    for (const c of ex) ev.relateException(c);
    if (!ev.isRecurring()) {
      const h = tzOf(master, 'dtstart');
      if (!ex.some((c) => toUTC(c.getFirstPropertyValue('recurrence-id'), h) === toUTC(ev.startDate, h))) {
        emit(uid, null, ev.startDate, ev.endDate, status(master), h, tzOf(master, 'dtend'));
      }
      continue;
    }
    const h = tzOf(master, 'dtstart');
    const it = ev.iterator();
    for (let n = 0, next; (next = it.next()) && n < 200000; n++) {
      if (next.start) next = next.start; // an RDATE PERIOD
      if (toUTC(next, h) >= winEnd + 3 * 86400e3) break;
      if (next.toString() in ev.exceptions) continue;
      const d = ev.getOccurrenceDetails(next);
      emit(uid, next, d.startDate, d.endDate, status(master), h, h);
    }
  }
}
