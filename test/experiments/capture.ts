/** A CliIo that keeps what the CLI writes, for experiment tests. */
export function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: { write: (s: string) => { out += s; return true; } }, err: { write: (s: string) => { err += s; return true; } } },
    get out() { return out; },
    get err() { return err; },
  };
}
