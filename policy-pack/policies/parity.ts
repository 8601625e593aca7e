/**
 * `parity-consistency-rules`: the consistency rules and the parity lock, checked inside the pack. The stack's
 * resources become a Snapshot, normalised and checked by the rules library (one normaliser, one comparer, one lock
 * check) — the same code the CLI runs.
 *
 * The lock (`<project>.parity-lock.json`, written by `parity lock`) reaches the pack as policy config `lock` on this
 * policy (beside `rules`), or built into the pack through the library ({@link provideLocks}, called by
 * `envParityPack(name, { rules, lock })`). Config wins over a provided lock of the same project.
 */
import { checkStack, PARITY_RULES } from "../../consistency-rules/src/compare";
import { checkSnapshotAgainstLock, lockFromObject, type ParityLock } from "../../consistency-rules/src/lock";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import { requireEnv, stackPolicy, type PolicyInput } from "../lib/define";
import { withSecretMarks } from "../lib/sdk/secrets";

/**
 * A resource as the rules library reads it. Its secrets are wrapped again as the engine sent them (the policy SDK
 * hands the pack their plaintext; lib/sdk/secrets.js knows where they were): the normaliser makes each `[secret]`,
 * so the stack here is the one `parity check` and `parity lock` see, and no finding's value or message can carry a
 * plaintext. A secret at a path the lock holds a plain value for is then a difference (the secret is not shown).
 */
function toSnapshotResource(r: PolicyInput): SnapshotResource {
  // Field by field (10k resources a request), in the order of the literal it replaced (ignoreChanges only if any).
  const s: Record<string, unknown> = {
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: !r.type.startsWith("pulumi:"),
    parent: r.parent,
    dependencies: r.dependencies,
    protect: r.protect,
  };
  if (r.ignoreChanges.length > 0) s.ignoreChanges = r.ignoreChanges;
  s.props = withSecretMarks(r.props);
  return s as unknown as SnapshotResource;
}

/** Locks given when the pack was built, by project (validated when given). */
let PROVIDED: Readonly<Record<string, ParityLock>> = {};

/**
 * Sets the locks this pack enforces (one per project); validates each now, so a bad or hand-edited lock stops the
 * pack at start with one line naming the place. Replaces what was given before.
 */
export function provideLocks(locks: readonly unknown[]): void {
  const next: Record<string, ParityLock> = {};
  locks.forEach((obj, i) => {
    const lock = lockFromObject(obj, `lock[${i}]`);
    next[lock.project] = lock;
  });
  PROVIDED = next;
}

/** The hash of each lock the pack was built with, by project (what the pack advertises, see lib/pack.ts). */
export function bundledLockHashes(): Record<string, string> {
  return Object.fromEntries(Object.entries(PROVIDED).map(([project, lock]) => [project, lock.hash]));
}

/**
 * The lock for `project`: policy config's if given (and of this project), else the provided one; none when policy
 * config says `lock: false` (a stack checked without a lock: a project directory with no lock file, as `parity check`
 * sends it, or policy tests on synthetic stacks).
 */
export function lockFor(project: string, inline: unknown): ParityLock | undefined {
  if (inline === false) return undefined;
  if (inline !== undefined && inline !== null) {
    const lock = lockFromObject(inline, "policy config (lock)");
    if (lock.project === project) return lock;
  }
  return PROVIDED[project];
}

interface ParityConfig {
  /** The project's parity lock (the `<project>.parity-lock.json` object), or `false` for none (not even a built-in one). */
  readonly lock?: unknown;
}

export const parityConsistencyRules = stackPolicy<ParityConfig>({
  name: "parity-consistency-rules",
  description:
    "The stack satisfies its project's consistency rules (invariants, per-environment approved values) and its parity lock.",
  why: "Environments may differ only where someone approved it; an unpinned difference is how staging stops predicting prod.",
  severity: "high",
  remediationSteps:
    "Make the property equal to the rule's expected value or the locked value, or add/renew an approval (id, reason, owner, expires) in the project's rules file; if every environment changed on purpose, run `parity lock` and commit the lock.",
  config: {
    lock: {
      type: ["object", "boolean"],
      description:
        "The project's parity lock (the <project>.parity-lock.json object written by `parity lock`); false: no lock, not even one built into the pack.",
    },
  },
  check(resources, ctx, out) {
    const env = requireEnv(ctx, "parity-consistency-rules", resources[0], out);
    if (!env || !ctx.rules) return;
    const e = ctx.rules.environments[env];
    const snapshot: Snapshot = {
      context: { env, stack: ctx.stack, project: ctx.project, accountId: e?.accountId, region: e?.region },
      source: "preview",
      origin: `stack ${ctx.stack} (policy pack)`,
      resources: resources.map(toSnapshotResource),
    };
    for (const f of checkStack(normaliseSnapshot(snapshot, ctx.rules), ctx.rules, new Date(), { passes: false })) {
      // Inside the pack, destroyability has its own policies: the Analyzer sends `protect` (owned by
      // lifecycle-resource-not-protected) and never `retainOnDelete`, so this built-in rule could only repeat them.
      if (f.ruleId === PARITY_RULES.destroyable) continue;
      // The comparer's message names the resource, the path, the actual and the expected value (and the rule id);
      // passing findings (most of them) are not even built.
      if (f.status === "fail") out.fail(`${f.ruleId}: ${f.message}`, f.urn);
      else if (f.status === "indeterminate") out.unknown(`${f.ruleId}: ${f.message}`, f.urn);
    }
    let lock: ParityLock | undefined;
    try {
      lock = lockFor(ctx.project, ctx.config.lock);
    } catch (err) {
      out.fail(`the parity lock in policy config is invalid: ${(err as Error).message}`);
      return;
    }
    if (!lock) return;
    // The lock's message names the resource, the path, the value here and the locked value.
    for (const f of checkSnapshotAgainstLock(snapshot, lock, ctx.rules)) {
      if (f.status === "fail") out.fail(`${f.ruleId}: ${f.message}`, f.urn);
      else if (f.status === "indeterminate") out.unknown(`${f.ruleId}: ${f.message}`, f.urn);
    }
  },
});

export const parityPolicies = [parityConsistencyRules];
