/**
 * Drop reasons for frames parsePacket rejects, named as the parser names its
 * outcomes (truncated_ip, bad_l4_header_len, ...), so every parsing NF counts
 * malformed input under the same names. Used by acl, bpf, encrypt, lb, nat,
 * tunnel and urlfilter (the routing NFs, which stop only at L2/L3 failures,
 * name theirs in ip-route.ts).
 */
import { PARSE_RESULT_COUNT, ParseResult, parsePacket, parseResultName, type ParsedPacket } from '../packet/parse.js';
import type { NfContext, NfEnv } from './nf.js';

/** Every non-Ok ParseResult name, in code order. */
export const PARSE_DROP_REASONS: readonly string[] = Array.from({ length: PARSE_RESULT_COUNT - 1 }, (_, i) => parseResultName(i + 1));

/**
 * COLD: drop-reason ids indexed by ParseResult code (entry Ok is -1). The
 * kind must list PARSE_DROP_REASONS in its dropReasons.
 */
export function parseDropIds(env: NfEnv): Int32Array {
  const ids = new Int32Array(PARSE_RESULT_COUNT).fill(-1);
  for (let code = 1; code < PARSE_RESULT_COUNT; code++) ids[code] = env.dropReason(parseResultName(code));
  ids[ParseResult.Ok] = -1;
  return ids;
}

/** Bytes a failed parse is declared to have read: the first cache line of the frame, or less. */
export const FAILED_PARSE_READ_BYTES = 64;

/**
 * HOT: parse packet h into `out` and declare the header bytes read; on a
 * parse failure or a non-IPv4 frame, drop it (parser reason, or
 * `notIpv4Id`) and return false. `declareExtent`: declare what the parser
 * looked at (the layers up to where it stopped) rather than the first line
 * of the frame on a failure — the two declarations the NFs of this library
 * make.
 */
export function parseIpv4OrDrop(
  ctx: NfContext, h: number, out: ParsedPacket, dropIds: Int32Array, notIpv4Id: number, declareExtent: boolean,
): boolean {
  const pool = ctx.pool;
  const off = pool.frameOffset(h);
  const len = pool.lenBytes[h]!;
  const code = parsePacket(pool.bytes, off, len, out, false);
  if (declareExtent) {
    const seen = code === ParseResult.Ok ? out.payloadOff - off
      : out.l4Off >= 0 ? out.l4Off + 20 - off : out.l3Off >= 0 ? out.l3Off + 20 - off : 14;
    const declared = seen < len ? seen : len;
    if (declared > 0) ctx.readPacket(h, 0, declared);
  } else if (code !== ParseResult.Ok) {
    ctx.readPacket(h, 0, len < FAILED_PARSE_READ_BYTES ? len : FAILED_PARSE_READ_BYTES);
  } else {
    ctx.readPacket(h, 0, out.payloadOff - off);
  }
  if (code !== ParseResult.Ok) {
    ctx.drop(h, dropIds[code]!);
    return false;
  }
  if (out.ipVersion !== 4) {
    ctx.drop(h, notIpv4Id);
    return false;
  }
  return true;
}
