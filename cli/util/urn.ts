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
  const parts = urn.slice(PREFIX.length).split("::");
  if (parts.length < 4) return undefined;
  const [stack, project, qualifiedType] = parts;
  const name = parts.slice(3).join("::");
  const type = qualifiedType.split("$").pop() ?? "";
  if (!stack || !project || !type || !name) return undefined;
  return { stack, project, type, name };
}
