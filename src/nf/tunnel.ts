/**
 * tunnel: the Tunnel NF of [Quadrant] chain 1. Parses the headers, reads the
 * VLAN TCI if the frame is tagged (counting `hadTag`), and pushes a new
 * outermost 802.1Q tag (TPID 0x8100, TCI = pcp << 13 | vlanId) right after the
 * MAC addresses, using the frame's headroom (pushVlan moves the frame start
 * back 4 bytes; the rest of the frame is not copied). Out of gate 0.
 *
 * - A frame that already carries `maxTags` tags (default 2, the most the
 *   parser walks) is dropped as `vlan_too_many_tags`.
 * - The tunnel is an L2 function: non-IP payloads (ARP, ...) are tagged too.
 *   Frames the parser finds malformed (truncated Ethernet, VLAN, IP or L4
 *   header, bad lengths) are dropped under the parser's reason names.
 * - `no_headroom`: the slot has less than 4 bytes before the frame (only
 *   after an earlier NF consumed the headroom).
 */
import { ParseResult, ParsedPacket, parsePacket } from '../packet/parse.js';
import { ETHERTYPE_QINQ, ETHERTYPE_VLAN, MAX_VLAN_TAGS, VLAN_TAG_BYTES } from '../packet/header-consts.js';
import { pushVlan } from '../packet/header-write.js';
import { asObject, readInt, readNumber, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import type { NfContext, NfCost, NfEnv, NfInstance, NfKind } from './nf.js';
import { FAILED_PARSE_READ_BYTES, PARSE_DROP_REASONS, parseDropIds } from './parse-drops.js';

export interface TunnelConfig {
  vlanId: number;
  pcp: number;
  maxTags: number;
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerByte: number;
}

const KEYS = ['vlanId', 'pcp', 'maxTags', 'cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerByte'] as const;
/** The MAC addresses moved by the push, then the new tag. */
const PUSH_WRITE_BYTES = 12 + VLAN_TAG_BYTES;

const C_PUSHED = 0;
const C_HAD_TAG = 1;
const COUNTERS = ['pushed', 'hadTag'];

class Tunnel implements NfInstance {
  readonly counters = new Float64Array(COUNTERS.length);
  readonly cost: NfCost;
  private readonly parsed = new ParsedPacket();
  private readonly parseDrop: Int32Array;
  private readonly tooManyTagsId: number;
  private readonly noHeadroomId: number;
  private readonly tci: number;
  private readonly maxTags: number;

  constructor(config: TunnelConfig, env: NfEnv) {
    this.cost = { cyclesPerBatch: config.cyclesPerBatch, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: config.cyclesPerByte };
    this.parseDrop = parseDropIds(env);
    this.tooManyTagsId = env.dropReason('vlan_too_many_tags');
    this.noHeadroomId = env.dropReason('no_headroom');
    this.tci = ((config.pcp & 7) << 13) | (config.vlanId & 0xfff);
    this.maxTags = config.maxTags;
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pool = ctx.pool;
    const buf = pool.bytes;
    const p = this.parsed;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      const off = pool.frameOffset(h);
      const len = pool.lenBytes[h]!;
      const code = parsePacket(buf, off, len, p, false);
      if (code === ParseResult.Ok) ctx.readPacket(h, 0, p.payloadOff - off);
      else ctx.readPacket(h, 0, len < FAILED_PARSE_READ_BYTES ? len : FAILED_PARSE_READ_BYTES);
      if (code === ParseResult.TruncatedEthernet || code === ParseResult.TruncatedVlan) {
        ctx.drop(h, this.parseDrop[code]!);
        continue;
      }
      // Tags seen, plus one if the parser stopped at a further tag it does not walk (vlanCount = MAX_VLAN_TAGS
      // with a VLAN TPID still ahead comes back as UnsupportedEtherType).
      let tags = p.vlanCount;
      if (code === ParseResult.UnsupportedEtherType && tags === MAX_VLAN_TAGS && (p.etherType === ETHERTYPE_VLAN || p.etherType === ETHERTYPE_QINQ)) tags++;
      if (tags >= this.maxTags) {
        ctx.drop(h, this.tooManyTagsId);
        continue;
      }
      if (code !== ParseResult.Ok && code !== ParseResult.UnsupportedEtherType) {
        ctx.drop(h, this.parseDrop[code]!);
        continue;
      }
      // The TCI was read by the parser (p.outerVlanTci); the new tag does not inherit from it.
      if (tags > 0) this.counters[C_HAD_TAG]++;
      if (!pushVlan(pool, h, this.tci)) {
        ctx.drop(h, this.noHeadroomId);
        continue;
      }
      ctx.writePacket(h, 0, PUSH_WRITE_BYTES);
      this.counters[C_PUSHED]++;
      ctx.emit(0, h);
    }
  }
}

export const tunnelKind: NfKind<TunnelConfig> = {
  name: 'tunnel',
  help: 'parses headers, reads the VLAN TCI if tagged, pushes an 802.1Q tag (vlanId, pcp) after the MACs',
  gateNames: ['out'],
  dropReasons: [...PARSE_DROP_REASONS, 'vlan_too_many_tags', 'no_headroom'],
  counters: COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): TunnelConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    return {
      // VID 4095 is reserved (IEEE 802.1Q); 0 means priority-tagged only.
      vlanId: readInt(p, o, 'vlanId', path, { min: 0, max: 4094, default: 100 }),
      pcp: readInt(p, o, 'pcp', path, { min: 0, max: 7, default: 0 }),
      // At most MAX_VLAN_TAGS: the parser walks no more, so it could not count a deeper stack.
      maxTags: readInt(p, o, 'maxTags', path, { min: 1, max: MAX_VLAN_TAGS, default: 2 }),
      // Loop set-up and counter updates once per batch (estimate).
      cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: 30 }),
      // Estimate from the instructions involved, at ~1 instruction per cycle: parse Ethernet/VLAN/IPv4/L4 (~30),
      // move the 12 MAC bytes and write the 4-byte tag (~10). Packet memory is priced separately.
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: 40 }),
      // Header-only NF: no per-byte work.
      cyclesPerByte: readNumber(p, o, 'cyclesPerByte', path, { min: 0, default: 0 }),
    };
  },
  outputGates: () => 1,
  create: (config, env) => new Tunnel(config, env),
};
