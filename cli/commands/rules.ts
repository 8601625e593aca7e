/**
 * `parity rules validate [file] [--project <dir>]`: validate a rule set against its meta-schema and its own
 * consistency and, with --project, against the project's stacks (every `Pulumi.<stack>.yaml` maps to an environment,
 * every environment's stacks exist, `configSchema` is a JSON schema). Also home of the checks that keep rules from
 * rotting silently, which `parity check` runs: stack files mapping to no environment (failures), rules that match
 * nothing (warnings; failures under --strict), baseline entries near or past their expiry.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { sharedAjv } from "../../consistency-rules/src/ajv";
import { PARITY_RULES } from "../../consistency-rules/src/compare";
import { InputError } from "../../consistency-rules/src/errors";
import { expiryNotes, exemptionsOf } from "../../consistency-rules/src/exemptions";
import type { Finding, NormalisedSnapshot } from "../../consistency-rules/src/model";
import { globMatch } from "../../consistency-rules/src/paths";
import { CONFIG_TYPE, isExpired, loadRules, matchedApprovals } from "../../consistency-rules/src/rules";
import type { RuleSet } from "../../consistency-rules/src/rules";
import { readJsonFile } from "../util/files";
import { defaultPackDir } from "../util/pack";
import { findRulesFile, readProject, resolveRules } from "../util/project";
import type { Context } from "./common";

/** Rule id of a rule (invariant or approval) that matches no resource in any environment. */
export const MATCHES_NOTHING = "parity-rule-matches-nothing";

/** The pack `check` and `baseline` use: `<project>/policy-pack` if it is one, else env-parity's own (or its ready pack). */
export function projectPackDir(projectDir: string): string {
  const own = path.join(projectDir, "policy-pack");
  if (fs.existsSync(path.join(own, "PulumiPolicy.yaml"))) return own;
  const dflt = defaultPackDir();
  if (
    !fs.existsSync(path.join(dflt, "PulumiPolicy.yaml")) &&
    fs.existsSync(path.join(dflt, "ready", "PulumiPolicy.yaml"))
  )
    return path.join(dflt, "ready");
  return dflt;
}

/** `Pulumi.<stack>.yaml` files of the project whose stack is no environment of the rules: one failure each. */
export function unmappedStackFindings(rules: RuleSet, projectDir: string): Finding[] {
  if (!fs.existsSync(projectDir)) return [];
  return fs
    .readdirSync(projectDir)
    .sort()
    .flatMap((name) => {
      const m = /^Pulumi\.(.+)\.ya?ml$/.exec(name);
      if (!m || rules.envForStack(m[1])) return [];
      return [
        {
          ruleId: PARITY_RULES.unknownEnvironment,
          status: "fail" as const,
          severity: "high" as const,
          kind: "parity" as const,
          message: `${name}: stack ${m[1]} maps to no environment of ${path.basename(rules.origin)} (add it to environments.<env>.stacks, or delete the file) (${PARITY_RULES.unknownEnvironment})`,
          environments: [],
          file: path.join(projectDir, name),
        },
      ];
    });
}

/** Invariants and approvals (resource rules) that match no resource of any environment: indeterminate (fail under --strict). */
export function matchesNothingFindings(rules: RuleSet, snaps: readonly NormalisedSnapshot[]): Finding[] {
  const resources = snaps.flatMap((s) => [...s.resources.values()].map((r) => ({ type: r.type, id: r.logicalId })));
  const live = (r: { type: string; resource: string }) =>
    r.type === CONFIG_TYPE || resources.some((x) => globMatch(r.type, x.type) && globMatch(r.resource, x.id));
  const dead = [
    ...rules.invariants.filter((i) => !live(i)).map((i) => ({ kind: "invariant", id: i.id, r: i })),
    ...matchedApprovals(rules.approvals) // a config-key approval's `feeds` each name a resource too
      .filter((a) => !isExpired(a) && !live(a))
      .map((a) => ({ kind: "approval", id: a.id, r: a })),
  ];
  return dead.map(({ kind, id, r }) => ({
    ruleId: MATCHES_NOTHING,
    status: "indeterminate" as const,
    severity: "low" as const,
    kind: "parity" as const,
    message: `warning: ${kind} ${id} (${r.type} ${r.resource}) matches no resource in ${snaps.map((s) => s.context.env).join(", ")}; remove or fix it (${MATCHES_NOTHING})`,
    environments: snaps.map((s) => s.context.env),
    file: rules.origin,
  }));
}

/** Expired exemptions (failures; expired approvals are reported by the comparer) and warnings for entries expiring within 14 days. */
export function expiryFindings(rules: RuleSet, now: Date): { findings: Finding[]; warnings: string[] } {
  let raw: unknown;
  try {
    raw = fs.existsSync(rules.origin) ? readJsonFile(rules.origin) : undefined;
  } catch {
    raw = undefined;
  }
  const notes = expiryNotes(rules.approvals, exemptionsOf(raw), now);
  const findings = notes
    .filter((n) => n.expired && n.kind === "exemption")
    .map((n) => ({
      ruleId: PARITY_RULES.expired,
      status: "fail" as const,
      severity: "medium" as const,
      kind: "parity" as const,
      message: `${n.message}; the violations it covered are reported again: renew or remove it (${PARITY_RULES.expired})`,
      environments: rules.envNames,
      file: rules.origin,
    }));
  return { findings, warnings: notes.filter((n) => !n.expired).map((n) => `warning: ${n.message}`) };
}

/** Problems of a rule set against a project directory (one line each, naming the file). */
export function projectProblems(rules: RuleSet, projectDir: string): string[] {
  const problems: string[] = [];
  for (const f of unmappedStackFindings(rules, projectDir)) problems.push(f.message);
  for (const e of Object.values(rules.environments)) {
    for (const s of e.stacks) {
      if (!fs.existsSync(path.join(projectDir, `Pulumi.${s}.yaml`)))
        problems.push(
          `${rules.origin}: environments.${e.name}.stacks names ${s}, but ${path.join(projectDir, `Pulumi.${s}.yaml`)} does not exist`,
        );
    }
  }
  if (rules.configSchemaPath) {
    try {
      const schema = readJsonFile(rules.configSchemaPath);
      if (typeof schema !== "object" || schema === null || Array.isArray(schema))
        throw new InputError(rules.configSchemaPath, "", "must be a JSON schema object");
      sharedAjv().compile(schema);
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0];
      problems.push(
        msg.startsWith(rules.configSchemaPath)
          ? msg
          : `${rules.configSchemaPath}: is not a JSON schema (configSchema of ${rules.origin}): ${msg}`,
      );
    }
  }
  return problems;
}

export async function runRulesValidate(
  ctx: Context,
  file: string | undefined,
  opts: { quiet?: boolean; project?: string },
): Promise<number> {
  const projectDir = opts.project ? path.resolve(ctx.io.cwd, opts.project) : undefined;
  const rules = file
    ? loadRules(file)
    : projectDir
      ? loadRules(findRulesFile(readProject(projectDir)))
      : resolveRules(ctx.io.cwd).rules;
  const problems = projectDir ? projectProblems(rules, projectDir) : [];
  const rel = (f: string) => path.relative(ctx.io.cwd, f) || f;
  for (const p of problems) ctx.io.stdout(`parity: ${p.split(path.join(projectDir ?? "", path.sep)).join("")}\n`);
  if (problems.length > 0) return 1;
  if (!opts.quiet) {
    ctx.io.stdout(
      `parity: ${rel(rules.origin)} is valid: project ${rules.project}, ${rules.envNames.length} environments (${rules.envNames.join(", ")}), ` +
        `${rules.invariants.length} invariants, ${rules.approvals.length} approvals${projectDir ? `; matches the stacks of ${rel(projectDir)}` : ""}\n`,
    );
    const now = ctx.io.now();
    for (const a of rules.approvals.filter((x) => isExpired(x, now))) {
      ctx.io.stdout(
        `parity: note: approval ${a.id} expired on ${a.expires}; \`parity check\`/\`diff\` report it as parity-approval-expired\n`,
      );
    }
  }
  return 0;
}

export function registerRules(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  const rules = program
    .command("rules")
    .summary("work with consistency rule sets")
    .description("Work with consistency rule sets.");
  rules
    .command("validate")
    .description(
      "Validate a rule set (default: the project's, found from the current directory) against rules.schema.json; with --project, " +
        "also against the project's stacks (every Pulumi.<stack>.yaml maps to an environment, every listed stack exists, configSchema is a JSON schema).",
    )
    .argument("[file]", "rule set file")
    .option("--project <dir>", "check the rule set against this project's stacks as well (exit 1 on a mismatch)")
    .option("-q, --quiet", "print nothing when valid", false)
    .action((file: string | undefined, opts: { quiet?: boolean; project?: string }) =>
      setExit(runRulesValidate(ctx, file, opts)),
    );
}
