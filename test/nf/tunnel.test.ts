import { describe, expect, it } from 'vitest';
import { tunnelKind } from '../../src/nf/tunnel.js';
import { HEADROOM_BYTES } from '../../src/packet/pool.js';
import { Problems } from '../../src/util/config-check.js';
import { FRAMES } from '../packet/frames.js';
import { makeRng } from '../packet/helpers.js';
import { DirectRunner, hex, hexToBytes } from './flow-frames.js';
import { NfHarness } from './harness.js';

const counter = (h: NfHarness, name: string) => h.instance.counters[tunnelKind.counters.indexOf(name)]!;
/** `frameHex` with the 4-byte tag `tagHex` inserted after the 12 bytes of MAC addresses. */
const tagged = (frameHex: string, tagHex: string) => frameHex.slice(0, 24) + tagHex + frameHex.slice(24);

describe('tunnel: push', () => {
  it('inserts an 802.1Q tag with the configured TCI after the MACs of an untagged frame; the rest is unchanged', () => {
    const h = new NfHarness(tunnelKind, { vlanId: 5, pcp: 3 });
    const r = h.batch([hexToBytes(FRAMES.ipv4Udp)]);
    expect(r.gates[0]).toEqual(r.handles);
    // TCI = PCP 3 << 13 | DEI 0 | VID 5 = 0x6005.
    expect(hex(r.frame(r.handles[0]!))).toBe(tagged(FRAMES.ipv4Udp, '81006005'));
    expect(r.frame(r.handles[0]!).length).toBe(FRAMES.ipv4Udp.length / 2 + 4);
    expect(counter(h, 'pushed')).toBe(1);
    expect(counter(h, 'hadTag')).toBe(0);
    expect(r.pktReads).toEqual([{ h: r.handles[0], off: 0, size: 42 }]);
    expect(r.pktWrites).toEqual([{ h: r.handles[0], off: 0, size: 16 }]);
    expect(r.memReads).toEqual([]);
  });

  it('uses the headroom: the frame start moves back 4 bytes and the payload is not moved', () => {
    const h = new NfHarness(tunnelKind, {});
    const f = hexToBytes(FRAMES.ipv4Udp);
    // The harness frees the frame after the batch but leaves its metadata until the slot is reused.
    const r = h.batch([f]);
    const hd = r.handles[0]!;
    expect(r.pool.dataOff[hd]).toBe(HEADROOM_BYTES - 4);
    expect(r.pool.lenBytes[hd]).toBe(f.length + 4);
  });

  it('pushes a new outer tag onto a tagged frame, keeping the old tag, and counts hadTag', () => {
    const h = new NfHarness(tunnelKind, { vlanId: 4094, pcp: 7 });
    const r = h.batch([hexToBytes(FRAMES.vlan1)]);
    expect(hex(r.frame(r.handles[0]!))).toBe(tagged(FRAMES.vlan1, '8100effe'));
    expect(counter(h, 'hadTag')).toBe(1);
    expect(counter(h, 'pushed')).toBe(1);
  });

  it('tags non-IP frames (ARP) and IPv6: it is an L2 function', () => {
    const h = new NfHarness(tunnelKind, {});
    const r = h.batch([hexToBytes(FRAMES.arp), hexToBytes(FRAMES.ipv6Udp), hexToBytes(FRAMES.ipv4Icmp)]);
    expect(r.gates[0]).toEqual(r.handles);
    expect(hex(r.frame(r.handles[0]!))).toBe(tagged(FRAMES.arp, '81000064'));
    expect(hex(r.frame(r.handles[1]!))).toBe(tagged(FRAMES.ipv6Udp, '81000064'));
    expect(counter(h, 'pushed')).toBe(3);
  });

  it('drops as no_headroom when fewer than 4 bytes precede the frame', () => {
    const d = new DirectRunner(tunnelKind, {});
    const r = d.batch([hexToBytes(FRAMES.ipv4Udp), hexToBytes(FRAMES.ipv4Udp)], 0, (pool, h) => {
      if (h % 2 === 0) pool.adjustHead(h, -(HEADROOM_BYTES - 3));
    });
    expect(r.drops).toEqual([{ h: r.handles[0], reason: 'no_headroom' }]);
    expect(r.out).toEqual([r.handles[1]]);
    expect(hex(r.frames.get(r.handles[0]!)!)).toBe(FRAMES.ipv4Udp);
  });
});

describe('tunnel: drops', () => {
  it('drops frames that already have maxTags tags as vlan_too_many_tags', () => {
    const h = new NfHarness(tunnelKind, {});
    const r = h.batch([FRAMES.vlan2, FRAMES.vlan3, FRAMES.vlan1].map(hexToBytes));
    expect(r.drops).toEqual([{ h: r.handles[0], reason: 'vlan_too_many_tags' }, { h: r.handles[1], reason: 'vlan_too_many_tags' }]);
    expect(r.gates[0]).toEqual([r.handles[2]]);
    const one = new NfHarness(tunnelKind, { maxTags: 1 });
    const r1 = one.batch([FRAMES.vlan1, FRAMES.ipv4Udp].map(hexToBytes));
    expect(r1.drops.map((d) => d.reason)).toEqual(['vlan_too_many_tags']);
    expect(r1.gates[0]).toEqual([r1.handles[1]]);
  });

  it('drops every truncation of a valid frame with a parser reason, and random bytes, without throwing', () => {
    const h = new NfHarness(tunnelKind, {});
    for (const name of ['ipv4Udp', 'ipv4OptsTcp', 'vlan1', 'ipv6HbhTcp'] as const) {
      const full = hexToBytes(FRAMES[name]);
      const r = h.batch(Array.from({ length: full.length }, (_, n) => full.slice(0, n)));
      expect(r.gates[0]).toEqual([]);
      expect(r.drops.length).toBe(full.length);
      for (const d of r.drops) expect(tunnelKind.dropReasons).toContain(d.reason);
      expect(r.drops[0]!.reason).toBe('truncated_ethernet');
    }
    expect(counter(h, 'pushed')).toBe(0);
    const rng = makeRng(8);
    const junk = Array.from({ length: 400 }, () => Uint8Array.from({ length: rng() % 90 }, () => rng() & 0xff));
    junk.forEach((f, i) => { if (i % 3 === 0 && f.length > 18) { f[12] = 0x81; f[13] = 0x00; } });
    const r = h.batch(junk);
    expect(r.gates[0]!.length + r.drops.length).toBe(400);
    for (const hd of r.gates[0]!) expect(r.frame(hd).slice(12, 16)).toEqual([0x81, 0x00, 0x00, 0x64]);
  });
});

describe('tunnel: config', () => {
  it('lists every problem with its path and has working defaults', () => {
    const p = new Problems();
    tunnelKind.checkConfig({ vlanId: 4095, pcp: 8, maxTags: 3, cyclesPerPacket: -2, vid: 1 }, 'modules[0].config', p);
    expect(p.list.map((x) => x.path).sort()).toEqual([
      'modules[0].config.cyclesPerPacket', 'modules[0].config.maxTags', 'modules[0].config.pcp', 'modules[0].config.vid', 'modules[0].config.vlanId',
    ]);
    const q = new Problems();
    const c = tunnelKind.checkConfig({}, 'c', q);
    expect(q.list).toEqual([]);
    expect(c).toEqual({ vlanId: 100, pcp: 0, maxTags: 2, cyclesPerBatch: 30, cyclesPerPacket: 40, cyclesPerByte: 0 });
    expect(tunnelKind.outputGates(c)).toBe(1);
  });
});
