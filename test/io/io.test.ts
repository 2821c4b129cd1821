/**
 * The parts of real-time I/O that need neither root nor the addon: the io:
 * section of scenarios, the smoke test's frame crafting and expected rewrite,
 * the reasons a backend reports when the addon is absent, and a real-time run
 * refusing a scenario without io:.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../scenario/problems.js';
import { RealtimeRun, RealtimeStartError } from '../../src/engine/realtime/rt-run.js';
import { craftFrame, expectedRewrite, isDenied } from '../../src/engine/realtime/smoke.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { validateScenario } from '../../src/scenario/validate.js';

const ROOT = join(__dirname, '..', '..');

function base(io?: unknown): Record<string, unknown> {
  return {
    version: 1, name: 'rt', duration: '1s', machine: { hz: '1GHz', cores: 1 },
    ports: [{ name: 'p0', lineRate: '10Gbps' }],
    modules: [{ name: 'swap', kind: 'macswap' }],
    edges: [{ from: 'p0.rx0', to: 'swap' }, { from: 'swap', to: 'p0.tx' }],
    tasks: [{ root: 'p0.rx0', core: 0 }],
    ...(io === undefined ? {} : { io }),
  };
}


describe('scenario io:', () => {
  it('resolves an interface per port with defaults', () => {
    const s = validateScenario(base({ p0: { interface: 'veth0' } }), { kinds: NF_KINDS, baseDir: null });
    expect(s.io).toEqual([{ port: 'p0', interface: 'veth0', backend: 'auto', netns: '', xdpMode: 'auto', dpdkDriver: 'af_packet' }]);
    const s2 = validateScenario(base({ p0: 'eth1' }), { kinds: NF_KINDS, baseDir: null });
    expect(s2.io![0]!.interface).toBe('eth1');
  });

  it('is absent from scenarios without it (virtual-time results unchanged)', () => {
    expect('io' in validateScenario(base(), { kinds: NF_KINDS, baseDir: null })).toBe(false);
  });

  it('names the field, the value and what was expected', () => {
    expect(problemsOf(base({ p9: { interface: 'x' } }))).toEqual(['io.p9: the name of a port (p0)']);
    expect(problemsOf(base({ p0: { interface: 'a/b' } }))[0]).toMatch(/^io\.p0\.interface: a Linux interface name/);
    expect(problemsOf(base({ p0: { interface: 'veth0', backend: 'rdma' } }))).toEqual(['io.p0.backend: one of auto, afxdp, afpacket, dpdk']);
    expect(problemsOf(base({ p0: { interface: 'veth0', xdpMode: 'fast' } }))).toEqual(['io.p0.xdpMode: one of auto, skb, native']);
    expect(problemsOf(base({ p0: { interface: 'veth0', queue: 1 } }))[0]).toMatch(/^io\.p0\.queue/);
  });

  it('a real-time run needs an interface for every port', async () => {
    const s = validateScenario(base(), { kinds: NF_KINDS, baseDir: null });
    await expect(RealtimeRun.start(s)).rejects.toThrow(RealtimeStartError);
    await expect(RealtimeRun.start(s)).rejects.toThrow(/needs an interface for every port: add io: \{ p0: \{ interface: IFNAME \} \}/);
  });
});

describe('smoke frames', () => {
  const dut = Uint8Array.of(2, 0, 0, 0, 0, 1);
  const tst = Uint8Array.of(2, 0, 0, 0, 0, 2);
  const headerSum = (b: Uint8Array, off: number): number => {
    let s = 0;
    for (let i = 0; i < 20; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    return s;
  };

  it('crafts valid IPv4/UDP frames carrying their sequence number', () => {
    const b = new Uint8Array(2048);
    for (const seq of [0, 1, 7, 49, 65_535, 123_456]) {
      const len = craftFrame(b, 0, seq, dut, tst);
      expect(len).toBeGreaterThanOrEqual(64);
      expect(Array.from(b.subarray(0, 12))).toEqual([...dut, ...tst]);
      expect(headerSum(b, 14)).toBe(0xffff);
      expect(((b[16]! << 8) | b[17]!) + 14).toBe(len);
      expect(((b[42]! << 24) | (b[43]! << 16) | (b[44]! << 8) | b[45]!) >>> 0).toBe(seq);
      expect((b[36]! << 8) | b[37]!).toBe(isDenied(seq) ? 23 : 4789);
    }
  });

  it('the expected rewrite swaps in the next hop and port MACs, decrements TTL and keeps the checksum valid', () => {
    const a = new Uint8Array(2048);
    const b = new Uint8Array(2048);
    const len = craftFrame(a, 0, 77, dut, tst);
    craftFrame(b, 0, 77, dut, tst);
    expectedRewrite(b, 0, dut, tst);
    expect(Array.from(b.subarray(0, 12))).toEqual([...tst, ...dut]);
    expect(b[22]).toBe(a[22]! - 1);
    expect(headerSum(b, 14)).toBe(0xffff);
    for (let i = 12; i < len; i++) if (i !== 22 && i !== 24 && i !== 25) expect(b[i], `byte ${i}`).toBe(a[i]);
  });
});

describe('backends without the addon', () => {
  it('emu hw list reports every real backend unavailable, with the reason', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'emu.js'), 'hw', 'list', '--json'], {
      encoding: 'utf8', env: { ...process.env, EMU_NATIVE_DISABLE: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { backends: { name: string; available: boolean; reason: string }[]; fallbackOrder: string[] };
    expect(out.fallbackOrder).toEqual(['afxdp', 'afpacket', 'dpdk']);
    for (const name of ['afxdp', 'afpacket', 'dpdk']) {
      const b = out.backends.find((x) => x.name === name)!;
      expect(b.available).toBe(false);
      expect(b.reason).toBe('the native addon is disabled by EMU_NATIVE_DISABLE');
    }
    expect(out.backends.find((x) => x.name === 'sim')!.available).toBe(true);
  });
});
