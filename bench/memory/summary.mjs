// `node bench/memory/summary.mjs probe.json [ms]`: the peaks, a timeline every [ms] (5000) and the sampling profile of bench/memory/probe.mjs.
import { readFileSync } from 'node:fs';
const data = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const MB = (b) => (b / 2 ** 20).toFixed(1);
const s = data.samples;
const peak = s.reduce((a, b) => (b.rss > a.rss ? b : a));
const peakHeap = s.reduce((a, b) => (b.heapUsed > a.heapUsed ? b : a));
console.log(`maxRSS ${MB(data.maxRSS * 1024)} MB; sampled rss peak at ${peak.t} ms: rss ${MB(peak.rss)} heapTotal ${MB(peak.heapTotal)} heapUsed ${MB(peak.heapUsed)} external ${MB(peak.external)} arrayBuffers ${MB(peak.arrayBuffers)}`);
console.log(`heapUsed peak at ${peakHeap.t} ms: rss ${MB(peakHeap.rss)} heapUsed ${MB(peakHeap.heapUsed)} external ${MB(peakHeap.external)}`);
const byWhere = new Map(); for (const x of s) { const w = x.where ?? 'timer'; const o = byWhere.get(w); if (!o || x.heapUsed > o.heapUsed) byWhere.set(w, x); }
for (const [w, x] of byWhere) console.log(`max heapUsed seen from ${w}: t=${x.t} heapUsed ${MB(x.heapUsed)} rss ${MB(x.rss)} ext ${MB(x.external)}`);
if (data.counters) console.log(JSON.stringify(data.counters));
// timeline every ~5 s
let last = -1e9;
for (const x of s) if (x.t - last >= (+process.argv[3] || 5000)) { last = x.t; console.log(`t=${(x.t / 1000).toFixed(1)}s ${x.where ?? ''} rss ${MB(x.rss)} heapTotal ${MB(x.heapTotal)} heapUsed ${MB(x.heapUsed)} ext ${MB(x.external)} ab ${MB(x.arrayBuffers)}`); }
for (const p of data.profiles) {
  console.log(`\nsampling profile at t=${p.t} ms (${p.where}), heapUsed ${MB(p.heapUsed)} MB rss ${MB(p.rss ?? 0)} MB`);
  const bySite = new Map();
  const byStack = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const name = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
    const st = [...stack, node.callFrame.functionName || '(anon)'];
    if (node.selfSize) {
      total += node.selfSize;
      bySite.set(name, (bySite.get(name) ?? 0) + node.selfSize);
      byStack.set(st.filter((f) => f && f !== '(anon)').slice(-8).join(' > '), (byStack.get(st.filter((f) => f && f !== '(anon)').slice(-8).join(' > ')) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, st);
  };
  walk(p.profile.head, []);
  console.log(`total live sampled ${MB(total)} MB`);
  console.log('-- top allocation sites');
  for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${MB(v).padStart(8)} MB  ${k}`);
  console.log('-- top stacks');
  for (const [k, v] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${MB(v).padStart(8)} MB  ${k}`);
}
