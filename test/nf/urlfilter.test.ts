import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/packet/header-consts.js';
import { urlfilterKind } from '../../src/nf/urlfilter.js';
import { DEFAULT_URL_PATTERNS, generateUrlPatterns, parseContent } from '../../src/nf/urlfilter-config.js';
import { ConfigError, Problems } from '../../src/util/config-check.js';
import { Prng } from '../../src/util/prng.js';
import { NfHarness, type HarnessResult } from './harness.js';
import { IPV4_MF_WORD, arpFrame, reverse, seg, truncations, withTcpDataOffset, type SegOpts } from './tcp-frames.js';

const C = Object.fromEntries(urlfilterKind.counters.map((n, i) => [n, i])) as Record<string, number>;
const counter = (r: HarnessResult, name: string) => r.counters[C[name]!]!;
const BASE: SegOpts = { src: 0x0a000001, dst: 0x0a000002, sport: 40000, dport: 80 };
const OTHER: SegOpts = { src: 0x0a000003, dst: 0x0a000002, sport: 40001, dport: 80 };
const at = (o: SegOpts, seq: number, payload: string, flags = TCP_ACK) => seg({ ...o, seq, payload, flags });
/** Gate-0 handles and dropped (reason) per input position: 'out' or the reason. */
const fate = (r: HarnessResult) => r.handles.map((h) => (r.gates[0]!.includes(h) ? 'out' : r.drops.find((d) => d.h === h)?.reason));

function problemsOf(raw: unknown): string[] {
  const p = new Problems();
  urlfilterKind.checkConfig(raw, 'modules[2].config', p);
  return p.list.map((x) => x.path);
}

describe('urlfilter', () => {
  it('finds a pattern split across two in-order segments and blocks that connection only', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['/etc/passwd'] });
    const r1 = nf.batch([at(BASE, 1000, 'GET /etc/pa'), at(OTHER, 5000, 'GET /index.html')]);
    expect(fate(r1)).toEqual(['out', 'out']);
    const r2 = nf.batch([at(BASE, 1011, 'sswd HTTP/1.1'), at(OTHER, 5015, ' /etc/pa')]);
    expect(fate(r2)).toEqual(['url_blocked', 'out']);
    expect(counter(r2, 'matches')).toBe(1);
    expect(counter(r2, 'blockedConnections')).toBe(1);
    // Later packets of the blocked connection, both directions, are dropped; the other connection is not.
    const r3 = nf.batch([at(BASE, 1024, 'x'), at(reverse(BASE), 9000, 'HTTP/1.1 200 OK'), at(OTHER, 5023, 'ssword')]);
    expect(fate(r3)).toEqual(['url_blocked', 'url_blocked', 'out']);
    expect(counter(r3, 'reassembled')).toBe(4); // BASE 1000, OTHER 5000, 5015, 5023 (the matching one stops early)
    expect(counter(r3, 'activeConnections')).toBe(2);
  });

  it('a SYN starts the stream at seq + 1; the pattern is found when it straddles the handshake data', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['cmd.exe'] });
    const r = nf.batch([seg({ ...BASE, seq: 99, flags: TCP_SYN }), at(BASE, 100, '/scripts/cm'), at(BASE, 111, 'd.exe?/c+dir')]);
    expect(fate(r)).toEqual(['out', 'out', 'url_blocked']);
  });

  it('holds an out-of-order segment and finds the match when the gap fills (the filler is dropped)', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['/etc/passwd'] });
    const r1 = nf.batch([at(BASE, 1000, 'GET /e'), at(BASE, 1011, 'sswd HTTP/1.1')]);
    expect(fate(r1)).toEqual(['out', 'out']); // held, forwarded
    expect(counter(r1, 'outOfOrder')).toBe(1);
    expect(counter(r1, 'oooHeld')).toBe(1);
    const r2 = nf.batch([at(BASE, 1006, 'tc/pa')]);
    expect(fate(r2)).toEqual(['url_blocked']);
    expect(counter(r2, 'matches')).toBe(1);
  });

  it('held bytes that match nothing are drained in order and the stream continues', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['needle'] });
    const r = nf.batch([at(BASE, 1000, 'aaaa'), at(BASE, 1008, 'cccc'), at(BASE, 1012, 'dddd'), at(BASE, 1004, 'bbbb'), at(BASE, 1016, 'nee'), at(BASE, 1019, 'dle')]);
    expect(fate(r)).toEqual(['out', 'out', 'out', 'out', 'out', 'url_blocked']);
    expect(counter(r, 'oooHeld')).toBe(2);
    expect(counter(r, 'scannedBytes')).toBe(4 * 4 + 3 + 3); // 'dle' completes the match on its last byte
  });

  it('first copy wins on overlap; a pure retransmission is not scanned again', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['evil'] });
    // "ev" then an overlapping retransmission "evXX" (new bytes "XX") then "il": no "evil" in the stream "evXXil".
    const r = nf.batch([at(BASE, 1000, 'ev'), at(BASE, 1000, 'evXX'), at(BASE, 1000, 'evXX'), at(BASE, 1004, 'il')]);
    expect(fate(r)).toEqual(['out', 'out', 'out', 'out']);
    expect(counter(r, 'retransmitted')).toBe(1);
    expect(counter(r, 'scannedBytes')).toBe(2 + 2 + 2);
  });

  it('oooOverflow: drop drops a segment beyond the window; skip jumps the gap and scans it', () => {
    const far = at(BASE, 1000 + 5000, 'GET /etc/passwd');
    const dropNf = new NfHarness(urlfilterKind, { patterns: ['/etc/passwd'], windowBytes: 1024, oooOverflow: 'drop' });
    const d = dropNf.batch([at(BASE, 1000, 'hello'), far]);
    expect(fate(d)).toEqual(['out', 'ooo_overflow']);
    expect(counter(d, 'outOfOrder')).toBe(1);
    const skipNf = new NfHarness(urlfilterKind, { patterns: ['/etc/passwd'], windowBytes: 1024 });
    const s = skipNf.batch([at(BASE, 1000, 'hello'), far]);
    expect(fate(s)).toEqual(['out', 'url_blocked']);
    expect(counter(s, 'gaps')).toBe(1);
  });

  it('skip flushes a held range before jumping past it', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['secret'], windowBytes: 64 });
    // 'secret' sits in a held segment; a later segment far beyond the window forces the flush.
    const r = nf.batch([at(BASE, 1000, 'a'), at(BASE, 1010, 'secret'), at(BASE, 1000 + 500, 'zzz')]);
    expect(fate(r)).toEqual(['out', 'out', 'url_blocked']);
    expect(counter(r, 'gaps')).toBe(1);
  });

  it('a pattern across a non-holdable gap is missed under skip (documented)', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['abcdef'], windowBytes: 0 });
    const r = nf.batch([at(BASE, 1000, 'abc'), at(BASE, 1010, 'def')]);
    expect(fate(r)).toEqual(['out', 'out']);
    expect(counter(r, 'gaps')).toBe(1);
  });

  it('random segmentation, retransmissions and swapped neighbours (across the 2^32 wrap) block exactly when the stream matches', () => {
    const rng = new Prng(2024);
    for (let t = 0; t < 150; t++) {
      const letters = 'abcd';
      const stream = Array.from({ length: 20 + rng.nextInt(120) }, () => letters[rng.nextInt(4)]).join('');
      const pattern = Array.from({ length: 3 + rng.nextInt(3) }, () => letters[rng.nextInt(4)]).join('');
      const matchEnd = stream.indexOf(pattern) < 0 ? Infinity : stream.indexOf(pattern) + pattern.length;
      const isn = (0xffffffc0 + rng.nextInt(128)) >>> 0;
      // Segments [from, to) of the stream, then an arrival order with swaps and duplicates.
      const segs: [number, number][] = [];
      for (let p = 0; p < stream.length;) {
        const n = Math.min(stream.length - p, 1 + rng.nextInt(10));
        segs.push([p, p + n]);
        p += n;
      }
      const order: number[] = [];
      for (let i = 0; i < segs.length; i++) {
        if (i + 1 < segs.length && rng.nextInt(4) === 0) {
          order.push(i + 1, i);
          i++;
        } else order.push(i);
        if (rng.nextInt(5) === 0) order.push(order[rng.nextInt(order.length)]!);
      }
      // Model: the contiguous prefix grows when the gap fills; the arrival that takes it past matchEnd is the first drop.
      let next = 0;
      const heldEnds = new Map<number, number>();
      let blocked = false;
      const expected = order.map((k) => {
        if (blocked) return 'url_blocked';
        const [from, to] = segs[k]!;
        if (from > next) heldEnds.set(from, Math.max(heldEnds.get(from) ?? 0, to));
        else next = Math.max(next, to);
        while (heldEnds.has(next)) {
          const e = heldEnds.get(next)!;
          heldEnds.delete(next);
          next = Math.max(next, e);
        }
        if (next >= matchEnd) blocked = true;
        return blocked ? 'url_blocked' : 'out';
      });
      const nf = new NfHarness(urlfilterKind, { patterns: [pattern], nocase: false, oooOverflow: 'drop', connections: 4, windowBytes: 256 });
      // A SYN fixes the stream start (otherwise the first segment seen would define it).
      const syn = seg({ ...BASE, seq: (isn - 1) >>> 0, flags: TCP_SYN });
      const r = nf.batch([syn, ...order.map((k) => at(BASE, (isn + segs[k]![0]) >>> 0, stream.slice(segs[k]![0], segs[k]![1])))]);
      expect(fate(r), `stream ${stream} pattern ${pattern} order ${order.join(',')}`).toEqual(['out', ...expected]);
    }
  });

  it('alert mode counts matches and passes everything', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['ab'], action: 'alert' });
    const r = nf.batch([at(BASE, 1, 'abab'), at(BASE, 5, 'ab')]);
    expect(fate(r)).toEqual(['out', 'out']);
    expect(counter(r, 'matches')).toBe(3);
    expect(counter(r, 'blockedConnections')).toBe(0);
  });

  it('matches IPv6 and VLAN-tagged TCP, case-insensitively by default', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['/CGI-BIN/phf'] });
    const r = nf.batch([at({ ...BASE, ipv6: true }, 7, 'GET /cgi-bin/P'), at({ ...BASE, ipv6: true }, 21, 'HF?Qalias=x'), at({ ...OTHER, vlan: 5 }, 1, '/cgi-bin/phf')]);
    expect(fate(r)).toEqual(['out', 'url_blocked', 'url_blocked']);
    const exact = new NfHarness(urlfilterKind, { patterns: ['/CGI-BIN/phf'], nocase: false });
    expect(fate(exact.batch([at(OTHER, 1, '/cgi-bin/phf')]))).toEqual(['out']);
  });

  it('non-TCP passes on gate 0 (or is dropped as non_tcp); TCP fragments are dropped', () => {
    const frames = [seg({ udp: true, payload: '/etc/passwd' }), arpFrame(), seg({ ...BASE, fragWord: IPV4_MF_WORD, payload: 'x' })];
    const pass = new NfHarness(urlfilterKind, {}).batch(frames);
    expect(fate(pass)).toEqual(['out', 'out', 'tcp_fragment']);
    expect(counter(pass, 'nonTcp')).toBe(2);
    const drop = new NfHarness(urlfilterKind, { nonTcp: 'drop' }).batch(frames);
    expect(fate(drop)).toEqual(['non_tcp', 'non_tcp', 'tcp_fragment']);
  });

  it('a full table passes new connections unscanned and counts urlfilter_table_full', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['bad'], connections: 1 });
    const r = nf.batch([at(BASE, 1, 'ok'), at(OTHER, 1, 'bad'), at(BASE, 3, 'bad')]);
    expect(fate(r)).toEqual(['out', 'out', 'url_blocked']);
    expect(counter(r, 'urlfilter_table_full')).toBe(1);
  });

  it('RST and a FIN from both sides release the entry; pure ACKs of unknown connections create none', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['bad'], connections: 1 });
    const r = nf.batch([
      at(BASE, 1, 'x'), at(BASE, 2, '', TCP_FIN | TCP_ACK), seg({ ...reverse(BASE), seq: 50, flags: TCP_FIN | TCP_ACK }),
      seg({ ...BASE, seq: 3, flags: TCP_ACK }), at(OTHER, 1, 'y'), seg({ ...OTHER, seq: 2, flags: TCP_RST }), at(BASE, 10, 'bad'),
    ]);
    expect(fate(r)).toEqual(['out', 'out', 'out', 'out', 'out', 'out', 'url_blocked']);
    expect(counter(r, 'urlfilter_table_full')).toBe(0);
    expect(counter(r, 'activeConnections')).toBe(1);
  });

  it('forgets a connection idle longer than idleTimeout: a blocked one starts over, counted expiredConnections', () => {
    const HZ = 2.6e9; // the harness's clock
    const nf = new NfHarness(urlfilterKind, { patterns: ['bad'], idleTimeout: '2s' });
    expect(fate(nf.batch([at(BASE, 1, 'bad')], 0))).toEqual(['url_blocked']);
    // 1.9 s later: still blocked (and the packet refreshes the entry).
    expect(fate(nf.batch([at(BASE, 4, 'fine')], 1.9 * HZ))).toEqual(['url_blocked']);
    // 3.8 s: 1.9 s after the last packet, still within the timeout.
    expect(fate(nf.batch([at(BASE, 8, 'fine')], 3.8 * HZ))).toEqual(['url_blocked']);
    // 6 s: 2.2 s idle: forgotten, the packet is a new connection's and passes.
    const r = nf.batch([at(BASE, 12, 'fine')], 6 * HZ);
    expect(fate(r)).toEqual(['out']);
    expect(counter(r, 'expiredConnections')).toBe(1);
    expect(counter(r, 'activeConnections')).toBe(1);
    // idleTimeout 0: never forgotten.
    const never = new NfHarness(urlfilterKind, { patterns: ['bad'], idleTimeout: 0 });
    never.batch([at(BASE, 1, 'bad')], 0);
    expect(fate(never.batch([at(BASE, 4, 'fine')], 1e6 * HZ))).toEqual(['url_blocked']);
  });

  it('a full table frees an idle entry for a new connection, and only an idle one', () => {
    const HZ = 2.6e9;
    const nf = new NfHarness(urlfilterKind, { patterns: ['bad'], connections: 2, idleTimeout: 1 });
    nf.batch([at(BASE, 1, 'a')], 0);
    nf.batch([at(OTHER, 1, 'b')], 0.5 * HZ);
    const THIRD: SegOpts = { src: 0x0a000005, dst: 0x0a000002, sport: 40002, dport: 80 };
    // 0.9 s: nobody idle yet: the new connection passes unscanned.
    let r = nf.batch([at(THIRD, 1, 'bad')], 0.9 * HZ);
    expect(fate(r)).toEqual(['out']);
    expect(counter(r, 'urlfilter_table_full')).toBe(1);
    // 1.2 s: BASE (last packet at 0) is idle, OTHER (0.5 s) is not: BASE's entry goes to THIRD.
    r = nf.batch([at(THIRD, 4, 'bad')], 1.2 * HZ);
    expect(fate(r)).toEqual(['url_blocked']);
    expect(counter(r, 'expiredConnections')).toBe(1);
    expect(counter(r, 'urlfilter_table_full')).toBe(1);
    // OTHER is still tracked: its stream continues ("b" + "ad" matches).
    expect(fate(nf.batch([at(OTHER, 2, 'ad')], 1.3 * HZ))).toEqual(['url_blocked']);
  });

  it('an RST on a blocked connection is dropped and frees the entry', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['bad'] });
    nf.batch([at(BASE, 1, 'bad')]);
    const r = nf.batch([seg({ ...BASE, seq: 4, flags: TCP_RST }), at(BASE, 100, 'fine')]);
    expect(fate(r)).toEqual(['url_blocked', 'out']);
  });

  it('generated patterns are deterministic and matched; |hex| content bytes work', () => {
    expect(generateUrlPatterns(20, 3)).toEqual(generateUrlPatterns(20, 3));
    expect(generateUrlPatterns(20, 3)).not.toEqual(generateUrlPatterns(20, 4));
    const g = generateUrlPatterns(50, 9);
    const nf = new NfHarness(urlfilterKind, { generate: { count: 50, seed: 9 }, patterns: ['|2e 2e|/x'] });
    const r = nf.batch([at(BASE, 1, `GET ${g[17]} HTTP/1.1`), at(OTHER, 1, 'GET /a/../x')]);
    expect(fate(r)).toEqual(['url_blocked', 'url_blocked']);
    expect(parseContent('a|41 42|\\|\\\\')).toEqual(Uint8Array.from([0x61, 0x41, 0x42, 0x7c, 0x5c]));
  });

  it('the default config blocks a classic web attack string', () => {
    const r = new NfHarness(urlfilterKind, {}).batch([at(BASE, 1, `GET ${DEFAULT_URL_PATTERNS[0]} HTTP/1.0`)]);
    expect(fate(r)).toEqual(['url_blocked']);
  });

  it('declares headers and scanned payload, table memory, and charges cyclesPerScannedByte per scanned byte', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['zzz'], cyclesPerScannedByte: 3 });
    const f = at(BASE, 1, 'hello world');
    const r = nf.batch([f]);
    expect(r.pktReads).toEqual([{ h: r.handles[0], off: 0, size: 54 }, { h: r.handles[0], off: 54, size: 11 }]);
    expect(r.chargedCycles).toBe(33);
    expect(r.memReads.length).toBeGreaterThan(2);
    const inRegions = (addr: number) => nf.regions.some((g) => addr >= g.base && addr < g.base + g.sizeBytes);
    for (const m of [...r.memReads, ...r.memWrites]) expect(inRegions(m.addr)).toBe(true);
    expect(nf.instance.cost).toEqual({ cyclesPerBatch: 0, cyclesPerPacket: 70, cyclesPerByte: 0 });
    // Automaton lines are declared once per packet: the next packet declares them again.
    const delta = nf.regions.find((g) => g.label === 'urlfilter.ac.delta')!;
    const inDelta = (x: HarnessResult) => x.memReads.filter((m) => m.addr >= delta.base && m.addr < delta.base + delta.sizeBytes);
    const first = inDelta(r);
    expect(first.length).toBeGreaterThan(0);
    expect(new Set(first.map((m) => m.addr)).size).toBe(first.length);
    expect(inDelta(nf.batch([at(BASE, 12, 'hello world')]))).toEqual(first);
  });

  it('keeps many connections apart under churn (hash table with deletions)', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['BAD!'], connections: 64, nocase: false });
    for (let round = 0; round < 20; round++) {
      const frames: Uint8Array[] = [];
      for (let k = 0; k < 40; k++) {
        const o = { ...BASE, src: 0x0a000100 + k, sport: 1000 + round };
        frames.push(at(o, 1, k % 7 === 0 ? 'BA' : 'xx'), at(o, 3, k % 7 === 0 ? 'D!' : 'yy'), seg({ ...o, seq: 5, flags: TCP_RST }));
      }
      const r = nf.batch(frames);
      const expected = frames.map((_, i) => (Math.floor(i / 3) % 7 === 0 && i % 3 >= 1 ? 'url_blocked' : 'out'));
      expect(fate(r)).toEqual(expected);
      expect(counter(r, 'activeConnections')).toBe(0);
    }
  });

  it('malformed frames and every truncation length are counted drops under the parser names, never exceptions', () => {
    const nf = new NfHarness(urlfilterKind, { patterns: ['x'] });
    const cases = [
      ...truncations(at(BASE, 1, 'GET /etc/passwd')), ...truncations(at({ ...BASE, ipv6: true }, 1, 'abc')),
      withTcpDataOffset(at(BASE, 1, 'abc'), 4), withTcpDataOffset(at(BASE, 1, 'abc'), 15),
    ];
    const r = nf.batch(cases);
    expect(r.gates[0]!.length + r.drops.length).toBe(cases.length);
    const names = new Set(r.drops.map((d) => d.reason));
    for (const n of names) expect(urlfilterKind.dropReasons).toContain(n);
    expect([...names].sort()).toEqual(['bad_l4_header_len', 'truncated_ethernet', 'truncated_ip']);
    expect(r.gates[0]!.length).toBe(0);
  });

  it('reports every config problem with its dotted path', () => {
    expect(problemsOf({
      patterns: ['ok', '', '|zz|', 3], generate: { count: 0, bogus: 1 }, connections: 0, windowBytes: -1,
      oooOverflow: 'hold', nonTcp: 'maybe', action: 'log', nocase: 'yes', cyclesPerPacket: -1, extra: 1, idleTimeout: '30',
    }).sort()).toEqual([
      'modules[2].config.action', 'modules[2].config.connections', 'modules[2].config.cyclesPerPacket', 'modules[2].config.extra',
      'modules[2].config.generate.bogus', 'modules[2].config.generate.count', 'modules[2].config.idleTimeout', 'modules[2].config.nocase', 'modules[2].config.nonTcp',
      'modules[2].config.oooOverflow', 'modules[2].config.patterns[1]', 'modules[2].config.patterns[2]', 'modules[2].config.patterns[3]',
      'modules[2].config.windowBytes',
    ]);
    expect(problemsOf({})).toEqual([]);
    expect(problemsOf({ idleTimeout: -1 })).toEqual(['modules[2].config.idleTimeout']);
    expect(urlfilterKind.checkConfig({ idleTimeout: '500ms' }, 'c', new Problems()).idleTimeout).toBe(0.5);
    expect(urlfilterKind.checkConfig({}, 'c', new Problems()).idleTimeout).toBe(30);
    expect(urlfilterKind.outputGates(urlfilterKind.checkConfig({}, 'c', new Problems()))).toBe(urlfilterKind.gateNames.length);
    expect(() => new NfHarness(urlfilterKind, { patterns: 'x' })).toThrow(ConfigError);
  });
});
