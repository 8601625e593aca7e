import { SECRET_SIG, SIG_KEY, isSecret } from "../../consistency-rules/src/sentinels";

/**
 * How deep a value read from a source may nest. Pulumi property values from real programs nest a few dozen levels at
 * most; a deeper value is hostile or broken input. The walks further on are bounded (the normaliser cuts values at
 * 100 levels to "[too deep]", the comparer treats 64 levels down as one value), so a difference deeper than that would
 * come out equal: the readers refuse such a value as bad input (exit 2) instead, below both bounds.
 */
export const MAX_VALUE_DEPTH = 64;

/**
 * Removes the content of every secret in a value read from a source (`plaintext`, `value`, `ciphertext`), keeping the
 * marker, so a secret value can never travel further than the parser (defence in depth: the normaliser turns the
 * marker into "[secret]"). Mutates and returns the parsed JSON it is given (it is ours), without copying.
 *
 * With `tooDeep`, it is called (and must throw) as soon as a value nests deeper than {@link MAX_VALUE_DEPTH}: the walk
 * is then at most that many calls deep, recursive. Without it, any depth is walked, with an explicit stack.
 */
export function stripSecrets(v: unknown, tooDeep?: () => never): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (isSecret(v)) return { [SIG_KEY]: SECRET_SIG };
  // Recursion where the limit bounds it: no stack of pending containers to allocate for every value of every resource.
  if (tooDeep) {
    stripWithin(v as Container, 1, tooDeep);
    return v;
  }
  const stack: Container[] = [v as Container];
  const push = (x: Container): void => void stack.push(x);
  while (stack.length > 0) stripChildren(stack.pop()!, push, 0, undefined);
  return v;
}

type Container = unknown[] | Record<string, unknown>;

/** The bounded walk: a container at `depth`, `tooDeep` (which throws) called past {@link MAX_VALUE_DEPTH}. */
function stripWithin(c: Container, depth: number, tooDeep?: () => never): void {
  if (depth > MAX_VALUE_DEPTH) tooDeep!();
  stripChildren(c, stripWithin, depth + 1, tooDeep);
}

/** One container of either walk: each secret child reduced to its marker, each other container child visited. */
function stripChildren(
  c: Container,
  visit: (x: Container, depth: number, tooDeep?: () => never) => void,
  depth: number,
  tooDeep: (() => never) | undefined,
): void {
  if (Array.isArray(c)) {
    for (let i = 0; i < c.length; i++) {
      const x = c[i];
      if (typeof x !== "object" || x === null) continue;
      if (isSecret(x)) c[i] = { [SIG_KEY]: SECRET_SIG };
      else visit(x as Container, depth, tooDeep);
    }
    return;
  }
  for (const k in c) {
    const x = c[k];
    if (typeof x !== "object" || x === null) continue;
    if (isSecret(x)) c[k] = { [SIG_KEY]: SECRET_SIG };
    else visit(x as Container, depth, tooDeep);
  }
}

/** Marks the named top-level properties secret (`additionalSecretOutputs`): their values are dropped here. */
export function markSecret(o: Record<string, unknown> | undefined, names: readonly string[]): void {
  if (!o) return;
  for (const n of names) if (Object.prototype.hasOwnProperty.call(o, n)) o[n] = { [SIG_KEY]: SECRET_SIG };
}
