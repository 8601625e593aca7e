/**
 * `parity init [project-dir]`: adopt env-parity in an existing Pulumi project. From `Pulumi.yaml` and the
 * `Pulumi.<stack>.yaml` files it writes `consistency-rules/<project>.rules.json` (environments ← stacks, region ←
 * `aws:region`, account ← `aws:allowedAccountIds` or `--account`), an example `policy-pack/config/<env>.json` per
 * environment and, with `--pack`, a policy-pack project built with `envParityPack`. A stack whose environment cannot
 * be told from its name is asked for by flag (`--env <stack>=<env>`), never guessed. Idempotent: an existing file is
 * kept unless `--force`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { yaml } from "../../consistency-rules/src/yaml";
import { InputError, InputErrors, UsageError } from "../util/errors";
import { readTextFile } from "../util/files";
import { readProject } from "../util/project";
import type { Context } from "./common";

/** Stack names that are environment names as they stand (the last `/` segment of the stack name). */
export const ENVIRONMENT_NAMES: readonly string[] = [
  "dev",
  "development",
  "test",
  "qa",
  "uat",
  "staging",
  "stage",
  "preprod",
  "prod",
  "production",
  "sandbox",
];

export interface InitOptions {
  /** `--env <stack>=<env>`, repeatable. */
  readonly env?: readonly string[];
  /** `--account <id>` (every environment) or `--account <env>=<id>`, repeatable. */
  readonly account?: readonly string[];
  readonly pack?: boolean;
  readonly force?: boolean;
}

export interface StackFile {
  readonly stack: string;
  readonly file: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** The `Pulumi.<stack>.yaml` files of a project directory, parsed (stack name from the file name). */
export function readStackFiles(dir: string): StackFile[] {
  const errors: InputError[] = [];
  const out: StackFile[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const m = /^Pulumi\.(.+)\.ya?ml$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    try {
      const doc = yaml().parse(readTextFile(file)) as { config?: unknown } | null;
      const config = doc?.config;
      out.push({
        stack: m[1],
        file,
        config: config !== null && typeof config === "object" ? (config as Record<string, unknown>) : {},
      });
    } catch (e) {
      errors.push(new InputError(file, "", `is not valid YAML: ${String((e as Error).message).split("\n")[0]}`));
    }
  }
  if (errors.length > 0) throw new InputErrors(errors);
  return out;
}

function pairs(list: readonly string[] | undefined, flag: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const item of list ?? []) {
    const i = item.indexOf("=");
    if (i <= 0 || i === item.length - 1) throw new UsageError(`${flag} wants <name>=<value>, got "${item}"`);
    m.set(item.slice(0, i), item.slice(i + 1));
  }
  return m;
}

interface EnvDraft {
  stacks: string[];
  accountId?: string;
  region?: string;
}

/** The rule set `init` writes (no invariants or approvals yet: `parity baseline` records today's differences). */
export function draftRules(project: string, stacks: readonly StackFile[], opts: InitOptions): Record<string, unknown> {
  const envOf = pairs(opts.env, "--env");
  const accounts = new Map<string, string>();
  let everyAccount: string | undefined;
  for (const a of opts.account ?? []) {
    if (a.includes("=")) pairs([a], "--account").forEach((v, k) => accounts.set(k, v));
    else everyAccount = a;
  }
  const errors: InputError[] = [];
  const envs: Record<string, EnvDraft> = {};
  const rank = (s: StackFile) => {
    const i = ENVIRONMENT_NAMES.indexOf(s.stack.split("/").pop() ?? s.stack);
    return i < 0 ? ENVIRONMENT_NAMES.length : i;
  };
  for (const s of [...stacks].sort((a, b) => rank(a) - rank(b))) {
    const short = s.stack.split("/").pop() ?? s.stack;
    const env = envOf.get(s.stack) ?? envOf.get(short) ?? (ENVIRONMENT_NAMES.includes(short) ? short : undefined);
    if (!env) {
      errors.push(
        new InputError(
          s.file,
          "",
          `stack ${s.stack}: its environment cannot be told from its name; pass --env ${s.stack}=<environment>`,
        ),
      );
      continue;
    }
    if (!/^[a-z][a-z0-9]*$/.test(env)) {
      errors.push(
        new InputError(s.file, "", `stack ${s.stack}: environment name "${env}" must match ^[a-z][a-z0-9]*$`),
      );
      continue;
    }
    const e = (envs[env] ??= { stacks: [] });
    e.stacks.push(s.stack);
    const region = s.config["aws:region"];
    if (typeof region === "string" && !e.region) e.region = region;
    const allowed = s.config["aws:allowedAccountIds"];
    const fromConfig = Array.isArray(allowed) && allowed.length === 1 ? String(allowed[0]) : undefined;
    const account = accounts.get(env) ?? fromConfig ?? everyAccount;
    if (account && !e.accountId) {
      if (!/^\d{12}$/.test(account))
        errors.push(
          new InputError(
            s.file,
            "aws:allowedAccountIds",
            `stack ${s.stack}: account "${account}" is not a 12-digit AWS account id`,
          ),
        );
      else e.accountId = account;
    }
  }
  for (const [stack] of envOf) {
    if (!stacks.some((s) => s.stack === stack || s.stack.split("/").pop() === stack))
      errors.push(new InputError("--env", "", `names stack ${stack}, which has no Pulumi.${stack}.yaml`));
  }
  if (stacks.length === 0)
    errors.push(
      new InputError(".", "", "has no Pulumi.<stack>.yaml files: create the stacks first (pulumi stack init)"),
    );
  if (errors.length > 0) throw new InputErrors(errors);
  return { version: 1, project, environments: envs, invariants: [], approvals: [], exemptions: [] };
}

function examplePackConfig(env: string): Record<string, unknown> {
  const prodLike = /^(prod|production)$/.test(env);
  return prodLike
    ? { "policy-pack-indeterminate": "advisory" }
    : { "lambda-function-xray-tracing": { enforcementLevel: "advisory" }, "policy-pack-indeterminate": "advisory" };
}

function packFiles(project: string): Record<string, string> {
  return {
    "policy-pack/PulumiPolicy.yaml": `description: ${project} guardrails and environment parity (env-parity)\nruntime: nodejs\n`,
    "policy-pack/package.json":
      JSON.stringify(
        {
          name: `${project}-parity-pack`,
          version: "0.1.0",
          private: true,
          main: "index.js",
          description: `env-parity policy pack for ${project}`,
        },
        null,
        2,
      ) + "\n",
    "policy-pack/index.js":
      `// ${project}'s policy pack: every env-parity policy, enforcing this project's rules (written by \`parity init --pack\`).\n` +
      `// pulumi preview --policy-pack policy-pack --policy-pack-config policy-pack/config/<env>.json\n` +
      `"use strict";\n` +
      `const { envParityPack } = require("env-parity/policy");\n\n` +
      `envParityPack("${project}-parity", {\n  rules: [require("../consistency-rules/${project}.rules.json")],\n  // overrides: { "lambda-function-xray-tracing": "advisory" },\n});\n`,
  };
}

/** Writes `text` to `file` unless it exists (then kept, or replaced with --force). Returns what happened. */
function put(file: string, text: string, force: boolean | undefined): "wrote" | "kept" | "unchanged" | "replaced" {
  if (fs.existsSync(file)) {
    if (fs.readFileSync(file, "utf8") === text) return "unchanged";
    if (!force) return "kept";
    fs.writeFileSync(file, text);
    return "replaced";
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return "wrote";
}

export async function runInit(ctx: Context, dirArg: string | undefined, opts: InitOptions): Promise<number> {
  const dir = path.resolve(ctx.io.cwd, dirArg ?? ".");
  const project = readProject(dir);
  const stacks = readStackFiles(dir);
  const rules = draftRules(project.name, stacks, opts);
  const files: Record<string, string> = {
    [`consistency-rules/${project.name}.rules.json`]: JSON.stringify(rules, null, 2) + "\n",
  };
  for (const env of Object.keys(rules.environments as Record<string, unknown>)) {
    files[`policy-pack/config/${env}.json`] = JSON.stringify(examplePackConfig(env), null, 2) + "\n";
  }
  if (opts.pack) Object.assign(files, packFiles(project.name));
  const rel = (f: string) => path.relative(ctx.io.cwd, path.join(dir, f)) || f;
  for (const [f, text] of Object.entries(files)) {
    const what = put(path.join(dir, f), text, opts.force);
    ctx.io.stdout(
      `parity: ${what === "kept" ? "kept" : what} ${rel(f)}${what === "kept" ? " (exists and differs; --force overwrites)" : ""}\n`,
    );
  }
  const envs = Object.entries(rules.environments as Record<string, EnvDraft>).map(
    ([e, d]) => `${e} ← ${d.stacks.join(", ")}`,
  );
  ctx.io.stdout(
    `parity: ${project.name}: ${envs.join("; ")}. Next: \`parity baseline --owner <team>\`, then \`parity check\`.\n`,
  );
  return 0;
}

export function registerInit(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  program
    .command("init")
    .summary("adopt env-parity in a Pulumi project: write its rules file (and, with --pack, a policy pack)")
    .description(
      "From Pulumi.yaml and the Pulumi.<stack>.yaml files write consistency-rules/<project>.rules.json (environments from the stacks, " +
        "region from aws:region, account from aws:allowedAccountIds or --account), an example policy-pack/config/<env>.json per environment " +
        "and, with --pack, a policy-pack project built with envParityPack. Existing files are kept unless --force.",
    )
    .argument("[project-dir]", "directory with Pulumi.yaml (default: current directory)")
    .option("--env <stack=env...>", "the environment of a stack whose name is not one (repeatable)")
    .option("--account <id|env=id...>", "AWS account id of every environment, or of one (repeatable)")
    .option("--pack", "also write policy-pack/ (PulumiPolicy.yaml, index.js using env-parity/policy)", false)
    .option("--force", "overwrite files that exist", false)
    .action((dir: string | undefined, opts: InitOptions) => setExit(runInit(ctx, dir, opts)));
}
