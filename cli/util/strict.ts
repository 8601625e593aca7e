import { InputError, typeName } from "./errors";

/** `a.b`, `a[3]`: the pointer syntax of {@link InputError} (dotted, with array indexes). */
export const key = (ptr: string, k: string): string => (ptr ? `${ptr}.${k}` : k);
export const idx = (ptr: string, i: number): string => `${ptr}[${i}]`;

/**
 * Strict readers for one user-supplied document: every check that fails throws one {@link InputError} naming the
 * file and the path inside it.
 */
export class StrictDoc {
  constructor(readonly file: string) {}

  fail(ptr: string, problem: string): never {
    throw new InputError(this.file, ptr, problem);
  }

  private wrong(ptr: string, want: string, v: unknown): never {
    return this.fail(
      ptr || "(document)",
      `must be ${want}, got ${v === undefined ? "nothing (missing)" : typeName(v)}`,
    );
  }

  object(v: unknown, ptr: string): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.wrong(ptr, "an object", v);
    return v as Record<string, unknown>;
  }

  array(v: unknown, ptr: string): unknown[] {
    if (!Array.isArray(v)) this.wrong(ptr, "an array", v);
    return v as unknown[];
  }

  string(v: unknown, ptr: string): string {
    if (typeof v !== "string") this.wrong(ptr, "a string", v);
    if ((v as string) === "") this.fail(ptr, "must not be empty");
    return v as string;
  }

  boolean(v: unknown, ptr: string): boolean {
    if (typeof v !== "boolean") this.wrong(ptr, "true or false", v);
    return v as boolean;
  }

  optString(v: unknown, ptr: string): string | undefined {
    return v === undefined ? undefined : this.string(v, ptr);
  }

  optBoolean(v: unknown, ptr: string): boolean | undefined {
    return v === undefined ? undefined : this.boolean(v, ptr);
  }

  optObject(v: unknown, ptr: string): Record<string, unknown> | undefined {
    return v === undefined || v === null ? undefined : this.object(v, ptr);
  }

  stringArray(v: unknown, ptr: string): string[] {
    const a = this.array(v, ptr);
    a.forEach((s, i) => this.string(s, idx(ptr, i)));
    return a as string[];
  }

  optStringArray(v: unknown, ptr: string): string[] | undefined {
    return v === undefined || v === null ? undefined : this.stringArray(v, ptr);
  }
}
