/**
 * Generated traffic is real: every frame parses, its IPv4 and TCP checksums
 * are valid, its length is the frame size drawn, and its 5-tuple is one of
 * the generated flows.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { internetChecksum, l4ChecksumIpv4 } from '../../src/packet/checksum.js';
import { ParsedPacket, ParseResult, parsePacket } from '../../src/packet/parse.js';
import { parsePcap } from '../../src/traffic/pcap.js';
import { scenario } from './helpers.js';

describe('generated frames', () => {
  for (const proto of ['udp', 'tcp'] as const) {
    it(`${proto}, IMIX: every frame seen at the RX queue parses with valid checksums`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'emu-gen-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'rx.pcap');
      const s = scenario({
        name: 'gen', duration: '0.2ms', seed: 3,
        machine: { hz: 2.6e9, cores: 1 },
        ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 5, proto, frameSizes: 'imix', rate: '2Mpps' } }],
        modules: [{ name: 'fwd', kind: 'macswap' }],
        edges: [{ from: 'eth0.rx0', to: 'fwd' }, { from: 'fwd', to: 'eth0.tx' }],
        tasks: [{ root: 'eth0.rx0', core: 0 }],
        taps: [{ at: 'eth0.rx0', file }],
      });
      const { record } = await runScenario(s, { threads: 1 });
      const pcap = parsePcap(readFileSync(file), file);
      expect(pcap.count).toBeGreaterThan(300);
      const p = new ParsedPacket();
      const tuples = new Set<string>();
      const sizes = new Set<number>();
      for (let i = 0; i < pcap.count; i++) {
        const off = pcap.dataOffset[i]!;
        const len = pcap.capLen[i]!;
        expect(parsePacket(pcap.bytes, off, len, p, true)).toBe(ParseResult.Ok);
        expect(p.proto).toBe(proto === 'tcp' ? 6 : 17);
        expect(internetChecksum(pcap.bytes, p.l3Off, 20)).toBe(0);
        expect(p.ipTotalLen).toBe(len - 14);
        if (proto === 'tcp') {
          const stored = (pcap.bytes[p.l4Off + 16]! << 8) | pcap.bytes[p.l4Off + 17]!;
          expect(l4ChecksumIpv4(pcap.bytes, p.l3Off, p.l4Off, len - 34, 6)).toBe(stored);
        }
        for (let b = p.payloadOff; b < off + len; b++) expect(pcap.bytes[b]).toBe(0);
        tuples.add(`${p.srcIp}:${p.srcPort}>${p.dstIp}:${p.dstPort}`);
        sizes.add(len + 4);
      }
      expect(tuples.size).toBe(5);
      expect([...sizes].sort((a, b) => a - b)).toEqual([64, 594, 1518]);
      expect(record.totals.conserved).toBe(true);
    });
  }
});
