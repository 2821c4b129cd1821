#!/usr/bin/env node
// npm's `install` script: builds the addon with node-gyp where its
// prerequisites exist, and never fails `npm install`. Whatever happens, it
// writes native/build-status.json, which src/io/native.ts reads to say why a
// backend is unavailable.
//
// Prerequisites: Linux, a C++ compiler, Node's headers (found beside the
// running node, as Debian and NodeSource install them, or npm's nodedir
// setting); AF_XDP additionally needs libxdp and libbpf (apt: libxdp-dev
// libbpf-dev); DPDK needs libdpdk (apt: libdpdk-dev).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const statusFile = join(here, 'build-status.json');
const logFile = join(here, 'build.log');

function write(status) {
  writeFileSync(statusFile, JSON.stringify({ ...status, node: process.versions.node, at: new Date().toISOString() }, null, 2) + '\n');
  printLine(status);
}

function printLine(status) {
  const line = status.built
    ? `emu native addon built (afpacket: yes, afxdp: ${status.afxdp.built ? 'yes' : 'no — ' + status.afxdp.reason}, dpdk: ${status.dpdk.built ? 'yes' : 'no — ' + status.dpdk.reason})`
    : `emu native addon not built: ${status.reason} (the emulator works without it; hardware backends are unavailable)`;
  console.log(line);
}

function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

function nodeGypPath() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c)) ?? null;
}

function nodeDir() {
  if (process.env.npm_config_nodedir && existsSync(join(process.env.npm_config_nodedir, 'include', 'node', 'node_api.h'))) return process.env.npm_config_nodedir;
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function main() {
  let dpdk = { built: false, reason: 'not checked' };
  if (process.env.EMU_SKIP_NATIVE) {
    return write({ built: false, reason: 'EMU_SKIP_NATIVE is set', afpacket: { built: false, reason: 'EMU_SKIP_NATIVE is set' }, afxdp: { built: false, reason: 'EMU_SKIP_NATIVE is set' }, dpdk: { built: false, reason: 'EMU_SKIP_NATIVE is set' } });
  }
  const fail = (reason) => write({ built: false, reason, afpacket: { built: false, reason }, afxdp: { built: false, reason }, dpdk: { built: false, reason } });
  if (process.platform !== 'linux') return fail(`AF_PACKET and AF_XDP exist only on Linux, this is ${process.platform}`);
  if (!has('c++')) return fail('no C++ compiler (c++); on Debian: apt-get install build-essential');
  if (!has('make')) return fail('no make; on Debian: apt-get install build-essential');
  if (!has('python3')) return fail('no python3 (node-gyp needs it)');
  const gyp = nodeGypPath();
  if (gyp === null) return fail('node-gyp not found (it ships with npm; run this through npm install)');
  const dir = nodeDir();
  if (dir === null) return fail(`Node's headers not found beside ${process.execPath} (include/node/node_api.h) and npm's nodedir is not set`);
  const xdpHeaders = existsSync('/usr/include/xdp/xsk.h') && existsSync('/usr/include/bpf/libbpf.h');
  const xdpLibs = has('pkg-config', ['--exists', 'libxdp', 'libbpf']);
  const afxdp = xdpHeaders && xdpLibs
    ? { built: true, reason: '' }
    : { built: false, reason: 'libxdp/libbpf development files not found at build time (apt-get install libxdp-dev libbpf-dev, then npm install again)' };
  dpdk = has('pkg-config', ['--exists', 'libdpdk'])
    ? { built: true, reason: '' }
    : { built: false, reason: 'libdpdk not found at build time (apt-get install libdpdk-dev, then npm install again)' };
  // Skip the build (every `npm install` runs this script) when nothing it
  // depends on changed since the last successful one.
  const inputs = createHash('sha256');
  for (const f of ['binding.gyp', 'build.mjs', ...readdirSync(join(here, 'src')).sort().map((n) => join('src', n))]) {
    inputs.update(f).update(readFileSync(join(here, f)));
  }
  inputs.update(JSON.stringify([process.versions.node, dir, afxdp.built, dpdk.built]));
  const inputHash = inputs.digest('hex');
  try {
    const prev = JSON.parse(readFileSync(statusFile, 'utf8'));
    if (!process.argv.includes('--force') && prev.built && prev.inputHash === inputHash && existsSync(join(here, 'build', 'Release', 'emu_native.node'))) {
      printLine(prev);
      console.log('(up to date: sources, Node and prerequisites unchanged since the last build)');
      return;
    }
  } catch { /* no previous build */ }
  const args = [gyp, 'rebuild', '--directory', here, `--nodedir=${dir}`, `--emu_afxdp=${afxdp.built ? 1 : 0}`, `--emu_dpdk=${dpdk.built ? 1 : 0}`];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  writeFileSync(logFile, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ''}`.split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' | ');
    return fail(`node-gyp failed (see native/build.log): ${tail || 'exit ' + r.status}`);
  }
  write({ built: true, reason: '', afpacket: { built: true, reason: '' }, afxdp, dpdk, inputHash });
}

try {
  main();
} catch (e) {
  try { write({ built: false, reason: `build script error: ${e.message}`, afpacket: { built: false, reason: e.message }, afxdp: { built: false, reason: e.message }, dpdk: { built: false, reason: e.message } }); } catch { /* never fail npm install */ }
}
