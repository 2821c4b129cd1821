import { describe, expect, it } from 'vitest';
import { formatIpv4, formatMac, parseIpv4, parseMac } from '../../src/packet/headers.js';

describe('IPv4 text', () => {
  it('formats and parses dotted quads', () => {
    expect(formatIpv4(0x0a000001)).toBe('10.0.0.1');
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIpv4(0)).toBe('0.0.0.0');
    expect(formatIpv4(-1)).toBe('255.255.255.255'); // treated as u32
    expect(parseIpv4('192.168.0.199')).toBe(0xc0a800c7);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    for (const ip of [0, 1, 0x7f000001, 0xc0a80101, 0xdeadbeef, 0xffffffff]) expect(parseIpv4(formatIpv4(ip))).toBe(ip);
  });

  it('rejects anything but four decimal octets 0..255', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '01.2.3.4', '1.2.3.0x4', 'a.b.c.d', '1..3.4', '1000.1.1.1']) {
      expect(parseIpv4(bad), bad).toBeNull();
    }
  });
});

describe('MAC text', () => {
  it('formats and parses colon-separated hex', () => {
    expect(formatMac(0x020000000001)).toBe('02:00:00:00:00:01');
    expect(formatMac(0xffffffffffff)).toBe('ff:ff:ff:ff:ff:ff');
    expect(parseMac('02:00:00:00:00:01')).toBe(0x020000000001);
    expect(parseMac('AA:bb:CC:dd:EE:ff')).toBe(0xaabbccddeeff);
    for (const mac of [0, 0x0123456789ab, 0xfedcba987654]) expect(parseMac(formatMac(mac))).toBe(mac);
  });

  it('rejects malformed MACs', () => {
    for (const bad of ['', '02:00:00:00:00', '02:00:00:00:00:01:02', '02-00-00-00-00-01', '2:00:00:00:00:01', 'gg:00:00:00:00:01']) {
      expect(parseMac(bad), bad).toBeNull();
    }
  });
});
