/** A parsed Pulumi URN: `urn:pulumi:<stack>::<project>::<parentType$…$type>::<name>`. */
export interface ParsedUrn {
  readonly stack: string;
  readonly project: string;
  /** The resource's own type (last segment of the qualified type). */
  readonly type: string;
  readonly name: string;
}

const PREFIX = "urn:pulumi:";

export function parseUrn(urn: string): ParsedUrn | undefined {
  if (!urn.startsWith(PREFIX)) return undefined;
  // `<stack>::<project>::<qualified type>::<name>`; the name may itself hold `::`.
  const a = urn.indexOf("::", PREFIX.length);
  const b = a < 0 ? -1 : urn.indexOf("::", a + 2);
  const c = b < 0 ? -1 : urn.indexOf("::", b + 2);
  if (c < 0) return undefined;
  const stack = urn.slice(PREFIX.length, a);
  const project = urn.slice(a + 2, b);
  const dollar = urn.lastIndexOf("$", c - 1); // the qualified type's last `$`-segment is the type
  const type = urn.slice(dollar >= b + 2 ? dollar + 1 : b + 2, c);
  const name = urn.slice(c + 2);
  if (!stack || !project || !type || !name) return undefined;
  return { stack, project, type, name };
}
