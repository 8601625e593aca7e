/**
 * Per-resource guardrail exemptions (`exemptions` in `<project>.rules.json`): `{ policy, resource, reason, owner,
 * expires }` — a suppression with an expiry. The policy pack drops a violation an exemption covers (so
 * `pulumi preview --policy-pack` and `parity check` agree); an expired exemption covers nothing and is itself a
 * failure; one that expires within {@link EXPIRY_WARNING_DAYS} days is a warning.
 */
import { isExpired } from "./rules";
import { globMatch } from "./paths";

export interface Exemption {
  /** Policy name or glob. */
  readonly policy: string;
  /** Logical id, resource name (last URN segment) or full URN; glob `*` allowed. */
  readonly resource: string;
  readonly environments?: readonly string[];
  readonly reason: string;
  readonly owner: string;
  readonly expires: string;
  readonly baseline?: boolean;
}

export const EXPIRY_WARNING_DAYS = 14;

/** The exemptions of a raw (already schema-validated) rule set object; [] if it has none. */
export function exemptionsOf(raw: unknown): readonly Exemption[] {
  const list = raw !== null && typeof raw === "object" ? (raw as { exemptions?: unknown }).exemptions : undefined;
  return Array.isArray(list) ? (list as Exemption[]) : [];
}

function nameOfUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/**
 * The live exemption for `policy` on the resource `urn` in `env`, if any. `logicalId` (environment-neutral id) is
 * matched as well as the resource name and the URN, so one exemption can cover a resource in every environment.
 */
export function exemptionFor(
  exemptions: readonly Exemption[],
  policy: string,
  target: { readonly urn?: string; readonly logicalId?: string; readonly env?: string },
  now: Date = new Date(),
): Exemption | undefined {
  const names = [target.urn, target.urn && nameOfUrn(target.urn), target.logicalId].filter((x): x is string => !!x);
  return exemptions.find(
    (e) =>
      !isExpired(e, now) &&
      globMatch(e.policy, policy) &&
      (!e.environments || !target.env || e.environments.includes(target.env)) &&
      names.some((n) => globMatch(e.resource, n)),
  );
}

export interface ExpiryNote {
  readonly kind: "approval" | "exemption";
  readonly id: string;
  readonly expires: string;
  readonly expired: boolean;
  readonly message: string;
}

/** Days from `now` (UTC day) to the last valid day `expires`. */
export function daysLeft(expires: string, now: Date = new Date()): number {
  const end = Date.parse(`${expires}T00:00:00Z`);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((end - today) / 86_400_000);
}

/**
 * Approvals and exemptions that expired (failures) or expire within {@link EXPIRY_WARNING_DAYS} days (warnings).
 * Expired approvals are also reported by the comparer (parity-approval-expired); here they are listed for warnings.
 */
export function expiryNotes(
  approvals: readonly { readonly id: string; readonly expires?: string; readonly baseline?: boolean }[],
  exemptions: readonly Exemption[],
  now: Date = new Date(),
): ExpiryNote[] {
  const notes: ExpiryNote[] = [];
  const add = (kind: ExpiryNote["kind"], id: string, expires: string | undefined, baseline?: boolean) => {
    if (!expires) return;
    const left = daysLeft(expires, now);
    const what = `${baseline ? "baseline " : ""}${kind} ${id}`;
    if (isExpired({ expires }, now))
      notes.push({ kind, id, expires, expired: true, message: `${what} expired on ${expires}` });
    else if (left <= EXPIRY_WARNING_DAYS)
      notes.push({
        kind,
        id,
        expires,
        expired: false,
        message: `${what} expires on ${expires} (in ${left} day${left === 1 ? "" : "s"})`,
      });
  };
  for (const a of approvals) add("approval", a.id, a.expires, a.baseline);
  for (const e of exemptions) add("exemption", `${e.policy} on ${e.resource}`, e.expires, e.baseline);
  return notes;
}
