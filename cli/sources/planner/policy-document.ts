/**
 * `aws:iam/getPolicyDocument:getPolicyDocument` computed as the AWS provider computes it (the data source is pure:
 * it only renders its arguments as IAM JSON): statements merged with `sourcePolicyDocuments` and
 * `overridePolicyDocuments` by `sid`, single-element lists rendered as a string, principals and conditions as maps,
 * indented with two spaces; `minifiedJson` without whitespace; `id` the CRC-32 hash of the JSON, as the provider does.
 */
import { crc32 } from "node:zlib";

interface Principal {
  type?: unknown;
  identifiers?: unknown;
}
interface Condition {
  test?: unknown;
  variable?: unknown;
  values?: unknown;
}
interface StatementArgs {
  sid?: unknown;
  effect?: unknown;
  actions?: unknown;
  notActions?: unknown;
  resources?: unknown;
  notResources?: unknown;
  principals?: unknown;
  notPrincipals?: unknown;
  conditions?: unknown;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);
/** A one-element set renders as a plain string, as the provider's IAM set type marshals it. */
const setValue = (xs: string[]): string | string[] => (xs.length === 1 ? xs[0] : xs);

function principals(v: unknown): unknown {
  const ps = Array.isArray(v) ? (v as Principal[]) : [];
  if (ps.length === 0) return undefined;
  if (ps.length === 1 && ps[0].type === "*" && list(ps[0].identifiers).every((i) => i === "*")) return "*";
  const out: Record<string, string[]> = {};
  for (const p of ps) (out[String(p.type)] ??= []).push(...list(p.identifiers));
  return Object.fromEntries(Object.entries(out).map(([k, ids]) => [k, setValue(ids)]));
}

function conditions(v: unknown): unknown {
  const cs = Array.isArray(v) ? (v as Condition[]) : [];
  if (cs.length === 0) return undefined;
  const out: Record<string, Record<string, string[]>> = {};
  for (const c of cs) {
    const byVar = (out[String(c.test)] ??= {});
    (byVar[String(c.variable)] ??= []).push(...list(c.values));
  }
  return Object.fromEntries(
    Object.entries(out).map(([t, vars]) => [
      t,
      Object.fromEntries(Object.entries(vars).map(([k, vs]) => [k, setValue(vs)])),
    ]),
  );
}

function statement(s: StatementArgs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof s.sid === "string" && s.sid !== "") out.Sid = s.sid;
  out.Effect = typeof s.effect === "string" && s.effect !== "" ? s.effect : "Allow";
  const put = (key: string, xs: string[]) => xs.length > 0 && (out[key] = setValue(xs));
  put("Action", list(s.actions));
  put("NotAction", list(s.notActions));
  put("Resource", list(s.resources));
  put("NotResource", list(s.notResources));
  const p = principals(s.principals);
  if (p !== undefined) out.Principal = p;
  const np = principals(s.notPrincipals);
  if (np !== undefined) out.NotPrincipal = np;
  const c = conditions(s.conditions);
  if (c !== undefined) out.Condition = c;
  return out;
}

function parseDoc(text: unknown): { Version?: string; Id?: string; Statement: Record<string, unknown>[] } {
  if (typeof text !== "string" || text.trim() === "") return { Statement: [] };
  const doc = JSON.parse(text) as { Version?: string; Id?: string; Statement?: unknown };
  const st = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return { ...doc, Statement: st as Record<string, unknown>[] };
}

/** Statements with a `Sid` replace earlier ones of that `Sid`; others are appended. */
function merge(into: Record<string, unknown>[], from: Record<string, unknown>[]): Record<string, unknown>[] {
  const out = [...into];
  for (const s of from) {
    const at = typeof s.Sid === "string" && s.Sid !== "" ? out.findIndex((o) => o.Sid === s.Sid) : -1;
    if (at >= 0) out[at] = s;
    else out.push(s);
  }
  return out;
}

export function getPolicyDocument(inputs: Record<string, unknown>): Record<string, unknown> {
  let version: string | undefined;
  let id: string | undefined;
  let statements: Record<string, unknown>[] = [];
  for (const src of list(inputs.sourcePolicyDocuments)) {
    const d = parseDoc(src);
    version ??= d.Version;
    id ??= d.Id;
    statements = merge(statements, d.Statement);
  }
  const own = (Array.isArray(inputs.statements) ? (inputs.statements as StatementArgs[]) : []).map(statement);
  statements = merge(statements, own);
  for (const o of list(inputs.overridePolicyDocuments)) statements = merge(statements, parseDoc(o).Statement);
  const doc: Record<string, unknown> = {
    Version: typeof inputs.version === "string" ? inputs.version : (version ?? "2012-10-17"),
  };
  const policyId = typeof inputs.policyId === "string" ? inputs.policyId : id;
  if (policyId) doc.Id = policyId;
  doc.Statement = statements;
  const json = JSON.stringify(doc, null, 2);
  return { ...inputs, id: String(crc32(json)), json, minifiedJson: JSON.stringify(doc) };
}
