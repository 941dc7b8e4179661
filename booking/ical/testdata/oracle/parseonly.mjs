// The fair speed reference for issue 11 item 7 (not part of go test): ical.js 2.2.1 parsing
// the same generated feed (ICAL.parse, then each VEVENT's DTSTART and DTEND values, without
// time zones or Event objects). bench.mjs does more per event and grows faster than linearly.
//   ICAL_BENCH_FEED=/tmp/bench.ics go test -run=XXX -bench='BenchmarkParse$' -benchtime=1x ./booking/ical
//   node parseonly.mjs /tmp/bench.ics
import fs from 'node:fs';
import ICAL from 'ical.js';

const text = fs.readFileSync(process.argv[2], 'utf8');
const t0 = process.hrtime.bigint();
const root = new ICAL.Component(ICAL.parse(text));
let n = 0;
for (const ve of root.getAllSubcomponents('vevent')) {
  const s = ve.getFirstPropertyValue('dtstart');
  const e = ve.getFirstPropertyValue('dtend');
  if (s && e) n++;
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${n} events parsed in ${ms.toFixed(0)} ms`);
