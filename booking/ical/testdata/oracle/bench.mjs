// Speed reference for BenchmarkParse (not part of go test): ical.js 2.2.1 parsing the same
// generated feed and computing each event's UTC start and end with its own time zone code.
//   ICAL_BENCH_FEED=/tmp/bench.ics go test -run=XXX -bench='BenchmarkParse$' -benchtime=1x ./booking/ical
//   node bench.mjs /tmp/bench.ics
import fs from 'node:fs';
import ICAL from 'ical.js';

const text = fs.readFileSync(process.argv[2], 'utf8');
const t0 = process.hrtime.bigint();
const root = new ICAL.Component(ICAL.parse(text));
for (const tz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
let n = 0;
for (const ve of root.getAllSubcomponents('vevent')) {
  const ev = new ICAL.Event(ve);
  const s = ev.startDate.toUnixTime();
  const e = ev.endDate.toUnixTime();
  if (e >= s) n++;
  ev.attendees.forEach((a) => a.getFirstValue());
  ve.getAllProperties('resources').forEach((r) => r.getValues());
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${n} events in ${ms.toFixed(0)} ms`);
