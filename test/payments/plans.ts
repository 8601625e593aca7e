/**
 * The payments stacks as the gate sees them: planned by the shared offline planner (cli/sources/plan, the program under
 * Pulumi's mocks) from examples/payments/Pulumi.<env>.yaml, plus small lookups for the tests.
 */
import * as path from "node:path";
import { planStacks } from "../../cli/sources/plan";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";

export const ROOT = path.resolve(__dirname, "../..");
export const PROJECT_DIR = path.join(ROOT, "examples/payments");
export const RULES_FILE = path.join(PROJECT_DIR, "consistency-rules/payments.rules.json");
export const ENVS = ["dev", "staging", "prod"] as const;
export type Env = (typeof ENVS)[number];

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Planned = SnapshotResource & { readonly inputs: Props; readonly ignoreChanges: readonly string[] };

export interface Plan {
  readonly snapshot: Snapshot;
  /** Custom resources only. */
  readonly resources: readonly Planned[];
  byType(type: string): Planned[];
  one(type: string, name: string): Planned;
}

function wrap(snapshot: Snapshot): Plan {
  const resources = snapshot.resources
    .filter((r) => r.custom)
    .map((r) => ({
      ...r,
      inputs: r.props as Props,
      ignoreChanges: (r as { ignoreChanges?: readonly string[] }).ignoreChanges ?? [],
    }));
  const byType = (type: string) => resources.filter((r) => r.type === type);
  return {
    snapshot,
    resources,
    byType,
    one(type, name) {
      const r = byType(type).find((x) => x.name === name);
      if (!r)
        throw new Error(
          `no ${type} named ${name} in ${snapshot.context.stack}: ${
            byType(type)
              .map((x) => x.name)
              .join(", ") || "none"
          }`,
        );
      return r;
    },
  };
}

/** Plans dev, staging and prod (one planner worker for the three). */
export async function planPayments(): Promise<Record<Env, Plan>> {
  const snaps = await planStacks(PROJECT_DIR, ENVS);
  return Object.fromEntries(ENVS.map((env, i) => [env, wrap(snaps[i])])) as Record<Env, Plan>;
}
