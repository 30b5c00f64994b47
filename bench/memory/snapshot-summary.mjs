// `node --max-old-space-size=10000 bench/memory/snapshot-summary.mjs file.heapsnapshot`: self size by object kind, and plain objects by their properties (their shape).
import { readFileSync } from 'node:fs';
const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length, EF = meta.edge_fields.length;
const types = meta.node_types[0], etypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const iType = meta.node_fields.indexOf('type'), iName = meta.node_fields.indexOf('name'), iSize = meta.node_fields.indexOf('self_size'), iEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type'), eName = meta.edge_fields.indexOf('name_or_index'), eTo = meta.edge_fields.indexOf('to_node');
const byKind = new Map(), byShape = new Map();
let total = 0, e = 0;
const add = (m, k, s) => { const o = m.get(k) ?? [0, 0]; o[0] += s; o[1]++; m.set(k, o); };
for (let i = 0; i < nodes.length; i += NF) {
  const type = types[nodes[i + iType]], name = strings[nodes[i + iName]], size = nodes[i + iSize], ec = nodes[i + iEdges];
  total += size;
  const kind = type === 'object' || type === 'closure' || type === 'hidden' || type === 'native' ? `${type}:${name.slice(0, 40)}` : type;
  add(byKind, kind, size);
  if (type === 'object' && name === 'Object') {
    const props = [];
    for (let j = 0; j < ec; j++) { const b = e + j * EF; if (etypes[edges[b + eType]] === 'property') props.push(strings[edges[b + eName]]); }
    add(byShape, `{${props.slice(0, 6).join(',')}}`, size);
  }
  e += ec * EF;
}
const MB = (b) => (b / 2 ** 20).toFixed(1);
console.log(`total self size ${MB(total)} MB, ${nodes.length / NF} nodes`);
console.log('-- by kind'); for (const [k, [s, n]] of [...byKind].sort((a, b) => b[1][0] - a[1][0]).slice(0, 22)) console.log(`${MB(s).padStart(8)} MB ${String(n).padStart(9)}  ${k}`);
console.log('-- plain objects by shape'); for (const [k, [s, n]] of [...byShape].sort((a, b) => b[1][0] - a[1][0]).slice(0, 15)) console.log(`${MB(s).padStart(8)} MB ${String(n).padStart(9)}  ${k}`);
