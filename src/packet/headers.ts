/**
 * Everything about packet headers in one import: constants, the parser,
 * writers/rewrites and address text forms. The pieces live in one file per
 * concept; see each for conventions (MACs are 48-bit numbers, IPv4 addresses
 * u32, IPv6 addresses 16-byte offsets; all offsets absolute in the buffer).
 */

export * from './header-consts.js';
export * from './parse.js';
export * from './header-write.js';
export * from './addr-text.js';
export { read16, read32, write16, write32 } from './bytes.js';
