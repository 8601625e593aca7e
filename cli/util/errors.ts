import { InputError, InputErrors, isInputError } from "../../consistency-rules/src/errors";

export { InputError, InputErrors, isInputError };

/** A wrong invocation (unknown option, missing argument, kinds that cannot be compared): exit 2, one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** JSON-ish type name for messages: `object`, `array`, `null`, `string`, … */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** A short quotation of a value for a message (never used on values that may be secret). */
export function quote(v: unknown, max = 60): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
