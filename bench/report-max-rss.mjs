// Preloaded into a benchmarked process (`node --import ./bench/report-max-rss.mjs …`): prints
// the process's peak resident set size — worker threads included — as it exits.
import { writeSync } from 'node:fs';

process.on('exit', () => writeSync(2, `\nKEYSYNC_BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`));
