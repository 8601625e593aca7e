/**
 * `parity baseline --owner <team> [--expires <date|90d>] [--reason …] [--export env=file …]`: plan every stack offline
 * (or read one `pulumi stack export` per environment), run the pack as `parity check` does, and write into the rules file one approval per difference
 * between environments that exists today and one exemption per guardrail violation (`{ policy, resource, reason,
 * owner, expires }`), each marked `baseline: true` with an owner and an expiry — time-boxed debt. A config key and the
 * resource properties it feeds (one cause, as the reports group it: cli/reports/group.ts) are one approval: the key's,
 * with the properties in `feeds`. The gate then starts green and only new drift fails. Re-running adds only what is
 * new (what the earlier baseline covers no longer differs unapproved).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { compareSnapshots, PARITY_RULES } from "../../consistency-rules/src/compare";
import { exemptionsOf, type Exemption } from "../../consistency-rules/src/exemptions";
import type { Finding } from "../../consistency-rules/src/model";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import {
  CONFIG_TYPE,
  loadRules,
  loadRulesFromObject,
  PRESENT_PATH,
  type FedProperty,
} from "../../consistency-rules/src/rules";
import { SECRET_PLACEHOLDER, UNKNOWN } from "../../consistency-rules/src/sentinels";
import { groupFindings } from "../reports/group";
import { UsageError } from "../util/errors";
import { readJsonFile, writeTextFile } from "../util/files";
import { openPack } from "../util/pack";
import { findRulesFile, readProject } from "../util/project";
import { packConfigs, stacksOf } from "./check";
import type { Context } from "./common";
import { exportsOrPlans } from "./lock";
import { projectPackDir } from "./rules";

export interface BaselineOptions {
  readonly owner: string;
  readonly expires?: string;
  readonly reason?: string;
  readonly rules?: string;
  readonly policyPack?: string;
  /** false with --no-pack */
  readonly pack: boolean;
  readonly dryRun?: boolean;
  /** `--export env=file` (one per environment, as `parity lock` takes them): read exports instead of planning. */
  readonly export?: string[];
}

/** `2027-03-01` as given, or `90d` (days from today, UTC) → `YYYY-MM-DD`. */
export function expiryDate(spec: string | undefined, now: Date): string {
  const s = spec ?? "90d";
  const days = /^(\d+)d$/.exec(s);
  if (days) return new Date(now.getTime() + Number(days[1]) * 86_400_000).toISOString().slice(0, 10);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))) {
    if (Date.parse(`${s}T00:00:00Z`) < now.getTime() - 86_400_000)
      throw new UsageError(`--expires ${s} is in the past`);
    return s;
  }
  throw new UsageError(`--expires wants a date (YYYY-MM-DD) or a number of days (90d), got "${s}"`);
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

function specOf(v: unknown): unknown {
  if (v === undefined || v === UNKNOWN || v === SECRET_PLACEHOLDER) return { any: true };
  if (typeof v === "string" && (v.includes(UNKNOWN) || v.includes(SECRET_PLACEHOLDER))) return { any: true };
  if (v !== null && typeof v === "object" && JSON.stringify(v).match(new RegExp(`${UNKNOWN}|\\[secret\\]`)))
    return { any: true };
  return v;
}

export interface BaselineEntries {
  approvals: Record<string, unknown>[];
  exemptions: Exemption[];
  /** Failures a baseline cannot cover (invariants win over approvals): fix them or change the invariant. */
  notCovered: Finding[];
}

/** The approvals and exemptions that cover `findings` (comparison and pack), none that already exist. */
export function baselineEntries(
  findings: readonly Finding[],
  existing: { approvalIds: ReadonlySet<string>; exemptions: readonly Exemption[] },
  meta: { owner: string; expires: string; reason: string },
  envOfStack: (urn: string | undefined) => string | undefined,
  allEnvs: readonly string[] = [],
): BaselineEntries {
  const out: BaselineEntries = { approvals: [], exemptions: [], notCovered: [] };
  const ids = new Set(existing.approvalIds);
  const exKeys = new Set(
    existing.exemptions.map((e) => `${e.policy}|${e.resource}|${(e.environments ?? []).join(",")}`),
  );
  const fed = configCauses(findings);
  const consumed = new Set<Finding>([...fed.values()].flat());
  for (const f of findings) {
    if (f.status !== "fail" || consumed.has(f)) continue;
    if (f.kind === "policy") {
      // the pack's consistency policy applies the rules themselves: never exempted (the comparison approves or not)
      if (!f.urn || f.ruleId === CONSISTENCY_POLICY) {
        out.notCovered.push(f);
        continue;
      }
      const env = envOfStack(f.urn);
      const resource = f.urn.slice(f.urn.lastIndexOf("::") + 2);
      const ex: Exemption = {
        policy: f.ruleId,
        resource,
        ...(env && { environments: [env] }),
        reason: meta.reason,
        owner: meta.owner,
        expires: meta.expires,
        baseline: true,
      };
      const key = `${ex.policy}|${ex.resource}|${(ex.environments ?? []).join(",")}`;
      const covered = existing.exemptions.some(
        (e) =>
          e.policy === ex.policy &&
          e.resource === ex.resource &&
          (!e.environments || !env || e.environments.includes(env)),
      );
      if (!covered && !exKeys.has(key)) {
        exKeys.add(key);
        out.exemptions.push(ex);
      }
      continue;
    }
    if (!approvable(f)) {
      out.notCovered.push(f);
      continue;
    }
    const cut = f.resource.lastIndexOf("::");
    const type = f.resource.slice(0, cut);
    const resource = f.resource.slice(cut + 2);
    const values =
      f.path === PRESENT_PATH
        ? Object.fromEntries(Object.entries(f.values).map(([e, v]) => [e, v === "present"]))
        : Object.fromEntries(Object.entries(f.values).map(([e, v]) => [e, specOf(v)]));
    let id = `baseline-${slug(`${resource}-${f.path === PRESENT_PATH ? "present" : f.path}`)}` || "baseline";
    for (let n = 2; ids.has(id); n++) id = `${id.replace(/-\d+$/, "")}-${n}`;
    ids.add(id);
    const feeds: FedProperty[] = (fed.get(f) ?? []).map((m) => {
      const at = m.resource.lastIndexOf("::");
      return { type: m.resource.slice(0, at), resource: m.resource.slice(at + 2), path: m.path };
    });
    out.approvals.push({
      id,
      type,
      resource,
      path: f.path,
      values,
      ...(feeds.length > 0 && { feeds }),
      reason: meta.reason,
      owner: meta.owner,
      expires: meta.expires,
      baseline: true,
    });
  }
  out.exemptions = mergeAcrossEnvironments(out.exemptions, allEnvs);
  return out;
}

const CONFIG_RESOURCE = `${CONFIG_TYPE}::${CONFIG_TYPE}`;
/** The pack's policy that applies the rule set and the lock per stack (policy-pack/policies/parity.ts). */
const CONSISTENCY_POLICY = "parity-consistency-rules";
type Approvable = Finding & Required<Pick<Finding, "resource" | "path" | "values">>;
const approvable = (f: Finding): f is Approvable =>
  f.status === "fail" &&
  f.kind === "parity" &&
  (f.ruleId === PARITY_RULES.unapproved || f.ruleId === PARITY_RULES.inventory) &&
  !!f.resource &&
  !!f.path &&
  !!f.values;

/**
 * Unapproved config-key differences → the unapproved resource-property differences they feed, as the reports group
 * them (one cause: the key and the properties that differ the same way in the same environments; cli/reports/group.ts
 * is the one home of that judgement). Only what one approval with `feeds` can cover: no `$present`, no config.
 */
function configCauses(findings: readonly Finding[]): Map<Finding, Approvable[]> {
  const out = new Map<Finding, Approvable[]>();
  const candidates = findings.filter(approvable);
  for (const cause of groupFindings(candidates, ".")) {
    const { lead } = cause;
    if (lead.resource !== CONFIG_RESOURCE || lead.path === PRESENT_PATH) continue;
    const members = cause.members
      .slice(1)
      .filter(approvable)
      .filter((m) => m.resource !== CONFIG_RESOURCE && m.path !== PRESENT_PATH && m.ruleId === PARITY_RULES.unapproved);
    if (members.length > 0) out.set(lead, members);
  }
  return out;
}

/** One exemption per policy and resource when it is needed in every environment (instead of one per environment). */
function mergeAcrossEnvironments(list: readonly Exemption[], allEnvs: readonly string[]): Exemption[] {
  const groups = new Map<string, Exemption[]>();
  for (const e of list) {
    const k = `${e.policy}|${e.resource}`;
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  return [...groups.values()].flatMap((g) => {
    const envs = new Set(g.flatMap((e) => e.environments ?? allEnvs));
    if (allEnvs.length > 0 && allEnvs.every((e) => envs.has(e))) {
      const { environments: _omit, ...rest } = g[0];
      return [rest];
    }
    return g;
  });
}

export async function runBaseline(ctx: Context, dirArg: string | undefined, opts: BaselineOptions): Promise<number> {
  if (!opts.owner || !opts.owner.trim()) throw new UsageError("--owner <team> is required (who pays the debt down)");
  const now = ctx.io.now();
  const expires = expiryDate(opts.expires, now);
  const reason =
    opts.reason ??
    `existed when env-parity was adopted (parity baseline, ${now.toISOString().slice(0, 10)}); fix or approve before it expires`;
  if (reason.trim().length < 10) throw new UsageError("--reason must say why in at least 10 characters");
  const projectDir = path.resolve(ctx.io.cwd, dirArg ?? ".");
  const rulesFile = opts.rules ? path.resolve(ctx.io.cwd, opts.rules) : findRulesFile(readProject(projectDir));
  const rules = loadRules(rulesFile);
  const plans = await exportsOrPlans(ctx, rules, projectDir, opts.export, stacksOf(rules, projectDir));
  const raw = readJsonFile(rulesFile) as Record<string, unknown>;
  const envByStack = new Map(plans.map((p) => [p.context.stack, p.context.env]));
  const entriesOf = (findings: readonly Finding[]) =>
    baselineEntries(
      findings,
      { approvalIds: new Set(rules.approvals.map((a) => a.id)), exemptions: exemptionsOf(raw) },
      { owner: opts.owner, expires, reason },
      (urn) => (urn ? envByStack.get(/^urn:pulumi:([^:]+)::/.exec(urn)?.[1] ?? "") : undefined),
      rules.envNames,
    );
  // The differences first: the pack then judges each stack under the rules as they will be with those approvals
  // (environment-dependent guardrails read approved values), exactly as `parity check` will run it afterwards.
  const parity = entriesOf(
    compareSnapshots(
      plans.map((p) => normaliseSnapshot(p, rules)),
      rules,
      now,
    ),
  );
  const next = loadRulesFromObject(
    { ...raw, approvals: [...((raw.approvals as unknown[] | undefined) ?? []), ...parity.approvals] },
    rulesFile,
    path.dirname(rulesFile),
  );
  const packDir = opts.pack
    ? opts.policyPack
      ? path.resolve(ctx.io.cwd, opts.policyPack)
      : projectPackDir(projectDir)
    : undefined;
  const packFindings: Finding[] = [];
  if (packDir) {
    const { session, info } = await openPack(packDir);
    try {
      // each environment's pack config file and the rule set inline, as `parity check` configures the pack
      const configs = packConfigs(info, next, projectDir, { strict: false }, (f) => path.relative(ctx.io.cwd, f) || f);
      for (const plan of plans) {
        await session.configure(configs.get(plan.context.env) ?? {});
        const found = await session.analyzeSnapshot(plan, {
          tags: { "env-parity:environment": plan.context.env },
          concurrency: plan.resources.length,
        });
        packFindings.push(...found);
      }
    } finally {
      await session.close();
    }
  }
  const pack = entriesOf(packFindings);
  const entries: BaselineEntries = {
    approvals: parity.approvals,
    exemptions: pack.exemptions,
    notCovered: [...pack.notCovered, ...parity.notCovered],
  };
  const rel = path.relative(ctx.io.cwd, rulesFile) || rulesFile;
  if (entries.approvals.length + entries.exemptions.length > 0 && !opts.dryRun) {
    raw.approvals = [...((raw.approvals as unknown[] | undefined) ?? []), ...entries.approvals];
    raw.exemptions = [...((raw.exemptions as unknown[] | undefined) ?? []), ...entries.exemptions];
    const text = JSON.stringify(raw, null, 2) + "\n";
    loadRules(writeAside(rulesFile, text)); // what we write must load: validate a copy before replacing the file
    writeTextFile(rulesFile, text);
  }
  ctx.io.stdout(
    `parity: ${opts.dryRun ? "would add" : "added"} ${entries.approvals.length} baseline approval${entries.approvals.length === 1 ? "" : "s"} and ` +
      `${entries.exemptions.length} exemption${entries.exemptions.length === 1 ? "" : "s"} to ${rel} (owner ${opts.owner}, expires ${expires})\n`,
  );
  for (const f of entries.notCovered)
    ctx.io.stdout(`parity: not baselined (fix it, or change the rule): ${f.ruleId}: ${f.message}\n`);
  return entries.notCovered.length > 0 ? 1 : 0;
}

function writeAside(file: string, text: string): string {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  process.once("exit", () => fs.rmSync(tmp, { force: true }));
  return tmp;
}

export function registerBaseline(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  program
    .command("baseline")
    .summary("approve every difference and guardrail violation that exists today, time-boxed (owner, expiry)")
    .description(
      "Plan every stack offline (or read `--export env=file` for each environment), run the policy pack, and add to the rules " +
        "file one approval per difference between environments (a config key and the properties it feeds: one approval) " +
        "and one exemption per guardrail violation that exists today, each marked baseline with --owner and an expiry. " +
        "Re-running adds only what is new.",
    )
    .argument("[project-dir]", "directory with Pulumi.yaml (default: current directory)")
    .requiredOption("--owner <team>", "who owns the baseline debt")
    .option("--expires <date|90d>", "expiry of every entry (YYYY-MM-DD or days from today)", "90d")
    .option("--reason <text>", "reason recorded on every entry")
    .option("-r, --rules <file>", "rule set (default: <project-dir>/consistency-rules/<project>.rules.json)")
    .option(
      "--policy-pack <dir>",
      "policy pack directory (default: <project-dir>/policy-pack if it has one, else env-parity's)",
    )
    .option("--no-pack", "skip the policy pack (differences between environments only)")
    .option(
      "-e, --export <env=file...>",
      "read a `pulumi stack export` (or preview/plan file) per environment instead of planning offline",
    )
    .option("--dry-run", "print what would be added; write nothing", false)
    .action((dir: string | undefined, opts: BaselineOptions) => setExit(runBaseline(ctx, dir, opts)));
}
