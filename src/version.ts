/** emu's version, recorded in every result. Keep in step with package.json (a test checks). */
export const EMU_VERSION = '0.1.0';
