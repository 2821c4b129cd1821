/**
 * Drop reasons for frames parsePacket rejects, named as the parser names its
 * outcomes (truncated_ip, bad_l4_header_len, ...), so every parsing NF counts
 * malformed input under the same names. Used by lb, nat and tunnel.
 */
import { PARSE_RESULT_COUNT, ParseResult, parseResultName } from '../packet/parse.js';
import type { NfEnv } from './nf.js';

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
