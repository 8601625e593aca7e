/** Finding a Pulumi project, its rule set and its stack configs on disk. */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadRules } from "../../consistency-rules/src/rules";
import type { RuleSet } from "../../consistency-rules/src/rules";
import type { EnvironmentResolver, StackEnvironment } from "./environment";
import { InputError, UsageError, quote } from "./errors";
import { readTextFile } from "./files";
import { yaml } from "../../consistency-rules/src/yaml";

const parseYaml = (text: string): unknown => yaml().parse(text);

export interface Project {
  readonly dir: string;
  readonly name: string;
  /** Pulumi.yaml path. */
  readonly file: string;
}

/** Reads `<dir>/Pulumi.yaml` (only `name` is needed). */
export function readProject(dir: string): Project {
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file)) {
    if (!fs.existsSync(dir)) throw new UsageError(`project directory ${dir} does not exist`);
    throw new InputError(dir, "", "has no Pulumi.yaml: not a Pulumi project directory");
  }
  let doc: unknown;
  try {
    doc = parseYaml(readTextFile(file));
  } catch (e) {
    throw new InputError(file, "", `is not valid YAML: ${String((e as Error).message).split("\n")[0]}`);
  }
  const name = (doc as Record<string, unknown> | null)?.name;
  if (typeof name !== "string" || name === "") throw new InputError(file, "name", "is required (the project name)");
  return { dir, name, file };
}

/** `--rules FILE`, else `<dir>/consistency-rules/<project>.rules.json`. */
export function findRulesFile(project: Project, explicit?: string): string {
  if (explicit) return explicit;
  const file = path.join(project.dir, "consistency-rules", `${project.name}.rules.json`);
  if (!fs.existsSync(file))
    throw new InputError(
      project.file,
      "",
      `names project ${quote(project.name)} but ${file} does not exist (pass --rules FILE)`,
    );
  return file;
}

/** Walks up from `start` to the first directory with a Pulumi.yaml. */
export function findProjectDir(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Rules for commands that read files (diff): `--rules FILE`, else the project found from the cwd upward. */
export function resolveRules(cwd: string, explicit?: string): { rules: RuleSet; projectDir?: string } {
  if (explicit) {
    const rulesFile = path.resolve(cwd, explicit);
    return { rules: loadRules(explicit), projectDir: findProjectDir(path.dirname(rulesFile)) ?? findProjectDir(cwd) };
  }
  const dir = findProjectDir(cwd);
  if (!dir)
    throw new UsageError("no rule set: pass --rules FILE (no Pulumi.yaml found from the current directory upward)");
  return { rules: loadRules(findRulesFile(readProject(dir))), projectDir: dir };
}

/** The `environmentSuffix` config value of a stack, read from Pulumi.<stack>.yaml if it is there (else undefined). */
function suffixOf(projectDir: string | undefined, project: string, stack: string): string | undefined {
  if (!projectDir) return undefined;
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return undefined;
  try {
    const v = (parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config?.[
      `${project}:environmentSuffix`
    ];
    return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
  } catch {
    return undefined; // the config file itself is validated where it is a source; here it only helps naming
  }
}

/** Maps stacks to environments through the rule set (never guessed: an unknown stack is a problem). */
export function resolverFor(rules: RuleSet, projectDir?: string): EnvironmentResolver {
  return (stack, project): StackEnvironment | string => {
    if (project && project !== rules.project)
      return `names project ${quote(project)} but the rules (${rules.origin}) are for ${quote(rules.project)}`;
    const env = rules.envForStack(stack);
    if (!env)
      return `names stack ${quote(stack)}, which is not a stack of any environment in ${rules.origin} (unknown stack; known: ${rules.envNames.join(", ")})`;
    const e = rules.environments[env];
    const suffix = suffixOf(projectDir, project, stack);
    return {
      env,
      ...(e.accountId && { accountId: e.accountId }),
      ...(e.region && { region: e.region }),
      ...(suffix && { suffix }),
    };
  };
}
