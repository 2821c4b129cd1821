// Runs the benchmarks one after another, each in its own Node process (so
// one bench's heap, JIT state and worker threads do not colour the next).
//
//   npm run bench                      # build, then ring, engine, chain, failure, control, pktsched (~4 min)
//   npm run bench -- --quick           # the same as smoke runs (~20 s)
//   npm run bench -- chain failure     # only these
//   sudo npm run bench -- hw-forward   # real-time forwarding on veth: root and the native addon
//
// Every bench prints its human lines and ends with one JSON line (see
// README.md). Options (--quick, or hw-forward's --seconds 10) go to every bench.
// Exits non-zero if any bench does.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Run by default, in this order. */
const DEFAULT = ['ring', 'engine', 'chain', 'failure', 'control', 'pktsched'];
/** Run only when named: needs root, iproute2 and the native addon (docs/hardware-runs.md). */
const ON_REQUEST = ['hw-forward'];
/** Not benches: loaded by one. */
const HELPERS = ['ring-worker', 'noop-controller', 'run'];

// Every bench file must be listed above, so a new one is not silently left out.
const files = readdirSync(here).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -'.mjs'.length));
const unlisted = files.filter((f) => !DEFAULT.includes(f) && !ON_REQUEST.includes(f) && !HELPERS.includes(f));
if (unlisted.length > 0) {
  console.error(`bench/run.mjs: list ${unlisted.map((f) => `${f}.mjs`).join(', ')} in DEFAULT, ON_REQUEST or HELPERS`);
  process.exit(2);
}

// A bench name selects; anything else is an option for the benches, with its value if it has one
// (`--seconds 10` for hw-forward).
const named = [];
const options = [];
for (const a of process.argv.slice(2)) {
  if (DEFAULT.includes(a) || ON_REQUEST.includes(a)) named.push(a);
  else if (a.startsWith('-') || (options.length > 0 && options[options.length - 1].startsWith('-'))) options.push(a);
  else {
    console.error(`bench/run.mjs: no bench ${a}; benches: ${[...DEFAULT, ...ON_REQUEST].join(', ')}`);
    process.exit(2);
  }
}

const failed = [];
for (const name of named.length > 0 ? named : DEFAULT) {
  console.log(`\n== bench/${name}.mjs ${options.join(' ')}`.trimEnd());
  const r = spawnSync(process.execPath, [join(here, `${name}.mjs`), ...options], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${name} (${r.signal ?? `exit ${r.status}`})`);
}
if (failed.length > 0) {
  console.error(`\nbench/run.mjs: failed: ${failed.join(', ')}`);
  process.exit(1);
}
