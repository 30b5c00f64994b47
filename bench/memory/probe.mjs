// Preloaded into a keysync process (`MEMPROBE_OUT=probe.json node --import ./bench/memory/probe.mjs sdk/dist/cli.js -c …`):
// samples process.memoryUsage() every 200 ms and from hooks in synchronous code (fs.writeSync, better-sqlite3
// statements), keeps the live sampling-heap profile at the highest heapUsed seen, and writes all of it as JSON at exit.
import { Session } from 'node:inspector';
import fs, { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import v8 from 'node:v8';
const out = process.env.MEMPROBE_OUT;
const t0 = performance.now();
const samples = [];
const session = new Session();
session.connect();
session.post('HeapProfiler.startSampling', { samplingInterval: 16384 });
let best = 0;
let profile = null;
const marks = [];
const check = (where) => {
  const m = process.memoryUsage();
  const t = Math.round(performance.now() - t0);
  samples.push({ t, where, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
  if (m.heapUsed > best * 1.03 && m.heapUsed > 150 * 2 ** 20) {
    best = m.heapUsed;
    session.post('HeapProfiler.getSamplingProfile', {}, (error, result) => {
      if (!error) profile = { t, where, heapUsed: m.heapUsed, rss: m.rss, profile: result.profile };
    });
  }
};
setInterval(() => check('timer'), 200).unref();
const counters = new Map();
const hook = (obj, name, label, every) => {
  const original = obj[name];
  obj[name] = function (...args) {
    const n = (counters.get(label) ?? 0) + 1;
    counters.set(label, n);
    if (n % every === 1) check(label);
    return original.apply(this, args);
  };
};
hook(fs, 'writeSync', 'fs.writeSync', 20);
syncBuiltinESMExports();
const require = createRequire(new URL('../../sdk/dist/cli.js', import.meta.url));
const Database = require('better-sqlite3');
const db = new Database(':memory:');
const Statement = db.prepare('select 1').constructor.prototype;
hook(Statement, 'run', 'sqlite.run', 5000);
hook(Statement, 'all', 'sqlite.all', 5);
hook(Statement, 'get', 'sqlite.get', 500);
db.close();
process.on('exit', () => {
  check('exit');
  writeFileSync(out, JSON.stringify({ samples, profiles: profile ? [profile] : [], counters: [...counters], heapLimit: v8.getHeapStatistics().heap_size_limit, maxRSS: process.resourceUsage().maxRSS }));
});
