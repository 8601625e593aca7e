/** The policy pack as the CLI uses it: where it is, its metadata (GetAnalyzerInfo), a session for `check`. */
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { startPack } from "../../policy-pack/harness";
import type { PackInfo, PackSession, PolicyInfo, PolicyPackConfig } from "../../policy-pack/harness";
import { BUNDLED_KEYWORD, contentDigest } from "../../consistency-rules/src/digest";
import { withLockConfig, type ParityLock } from "../../consistency-rules/src/lock";
import { isPlainObject } from "../../consistency-rules/src/paths";
import { cacheDirOf } from "../sources/planner/boot";
import { COMPILE_CACHE_DIR_ENV, compileCacheDirOf, enableCompileCache } from "../sources/planner/compile-cache";
import type { Context } from "../commands/common";
import type { PolicyMeta } from "./catalog";
import { InputError } from "./errors";

/** The repository's `policy-pack/` (next to dist/ or to the sources), unless `--policy-pack DIR`. */
export function defaultPackDir(): string {
  for (const rel of ["../../policy-pack", "../../../policy-pack"]) {
    const dir = path.resolve(__dirname, rel);
    if (fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))) return dir;
  }
  return path.resolve(__dirname, "../../policy-pack");
}

export function checkPackDir(dir: string): string {
  if (!fs.existsSync(path.join(dir, "PulumiPolicy.yaml")))
    throw new InputError(dir, "", "is not a policy pack directory (no PulumiPolicy.yaml)");
  const pkg = path.join(dir, "package.json");
  if (fs.existsSync(pkg)) {
    const main = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { main?: string }).main;
    if (main && !fs.existsSync(path.join(dir, main)))
      throw new InputError(pkg, "main", `names ${main}, which is not built: run \`npm run build\``);
  }
  return dir;
}

/** The code cache's directory for the pack at `packDir` (beside its SDK's planner caches); none from the TS sources. */
function packCompileCacheDir(packDir: string): string | undefined {
  if (!__filename.endsWith(".js")) return undefined;
  try {
    return compileCacheDirOf(
      cacheDirOf(path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [packDir] }))),
    );
  } catch {
    return undefined;
  }
}

/**
 * The pack process's environment for the code cache the planner uses (planner/compile-cache.ts): the runner loads
 * TypeScript, ts-node and gRPC before the pack, the same files every time. Node ≥ 22.1: NODE_COMPILE_CACHE; Node 20:
 * the compiled hook preloaded with `--require`. Nothing when the caches are off (ENV_PARITY_PLAN_CACHE=0 or
 * ENV_PARITY_COMPILE_CACHE=0), when the CLI runs from its TypeScript sources, or when the pack has no SDK installed.
 */
export function packCompileCacheEnv(packDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const hook = path.join(__dirname, "..", "sources", "planner", "compile-cache.js");
  if (!fs.existsSync(hook) || env.ENV_PARITY_COMPILE_CACHE === "0") return {};
  const dir = packCompileCacheDir(packDir);
  if (!dir) return {};
  if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === "function")
    return { NODE_COMPILE_CACHE: dir };
  return {
    NODE_OPTIONS: `${env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(hook)}`.trim(),
    [COMPILE_CACHE_DIR_ENV]: dir,
  };
}

export async function openPack(dir: string): Promise<{ session: PackSession; info: PackInfo }> {
  const packDir = checkPackDir(dir);
  // The harness loads gRPC and the protocol modules here: from the same code cache as the pack.
  enableCompileCache(packCompileCacheDir(packDir));
  const session = await startPack({ packDir, env: packCompileCacheEnv(packDir) });
  try {
    return { session, info: await session.info() };
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** Pack config: every policy strict under --strict (the pack then fails indeterminates itself). */
export function packConfig(info: PackInfo, strict: boolean): PolicyPackConfig {
  return projectPackConfig(info, { strict });
}

const LEVELS = new Set(["advisory", "mandatory", "remediate", "disabled"]);

/**
 * A policy pack config file as `pulumi preview --policy-pack-config` reads it:
 * `{ "<policy>": "<level>" | { "enforcementLevel"?: "<level>", ...properties } }`, checked against the pack's policies.
 * @throws InputError naming the file and the place inside it.
 */
export function readPackConfigFile(file: string, info?: PackInfo, shown: string = file): PolicyPackConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(shown, "", `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(shown, "", `is not valid JSON: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new InputError(shown, "", "must be a JSON object of policy name → enforcement level or config object");
  const names = info ? new Set(info.policies.map((p) => p.name)) : undefined;
  for (const [name, c] of Object.entries(doc as Record<string, unknown>)) {
    if (names && name !== "all" && !names.has(name))
      throw new InputError(shown, name, `names a policy the pack ${info!.name} does not have`);
    const level =
      typeof c === "string"
        ? c
        : c && typeof c === "object" && !Array.isArray(c)
          ? (c as Record<string, unknown>).enforcementLevel
          : Symbol();
    if (level !== undefined && !LEVELS.has(level as string)) {
      throw new InputError(
        shown,
        typeof c === "string" ? name : `${name}.enforcementLevel`,
        `must be one of ${[...LEVELS].join(", ")}`,
      );
    }
  }
  return doc as PolicyPackConfig;
}

/**
 * The environment's pack config file: `--policy-pack-config FILE` (`{env}` in it is replaced by the environment),
 * else `<project>/policy-pack/config/<env>.json` by convention if it exists, else none.
 */
export function envPackConfigFile(projectDir: string, env: string, explicit?: string): string | undefined {
  if (explicit) return explicit.split("{env}").join(env);
  const conventional = path.join(projectDir, "policy-pack", "config", `${env}.json`);
  return fs.existsSync(conventional) ? conventional : undefined;
}

/** The digest the pack says `policy` was built with for `project`'s `rules` or `lock` ({@link BUNDLED_KEYWORD}). */
function bundledDigest(policy: PolicyInfo, key: "rules" | "lock", project: unknown): string | undefined {
  const annotation = (policy.configSchema?.properties?.[key] as Record<string, unknown> | undefined)?.[BUNDLED_KEYWORD];
  const digest = typeof project === "string" && isPlainObject(annotation) ? annotation[project] : undefined;
  return typeof digest === "string" ? digest : undefined;
}

/**
 * The config `parity check` sends the pack for one environment, so that it decides as
 * `pulumi preview --policy-pack <pack> --policy-pack-config <file>` does for the same stack:
 *  - the environment's pack config file (levels and properties), as given;
 *  - the project's rule set, inline as `rules`, to every policy whose schema takes it (every environment-dependent
 *    guardrail, not only `parity-consistency-rules`) unless the file gives that policy its own: the project's rules
 *    as they are now, never a stale copy bundled when the pack was built. A policy that says it was built with this
 *    very rule set (the same content digest, see consistency-rules/src/digest.ts) is not sent it: it decides with
 *    its own copy as `pulumi preview` would, and Configure stays small (inline, the rules are sent once per policy);
 *  - `strict: true` to every policy that takes it, under --strict.
 * `rulesDigest`: the rules' {@link contentDigest} if the caller has it (one rule set, every environment).
 */
export function projectPackConfig(
  info: PackInfo,
  opts: { strict?: boolean; rules?: unknown; rulesDigest?: string; file?: PolicyPackConfig },
): PolicyPackConfig {
  const out: Record<string, PolicyPackConfig[string]> = {};
  const all = opts.file?.all;
  const project = isPlainObject(opts.rules) ? opts.rules.project : undefined;
  let digest = opts.rulesDigest;
  for (const p of info.policies) {
    const given = opts.file?.[p.name] ?? (typeof all === "string" ? all : undefined);
    const props = p.configSchema?.properties ?? {};
    const cfg: Record<string, unknown> = typeof given === "string" ? { enforcementLevel: given } : { ...(given ?? {}) };
    if (opts.rules !== undefined && "rules" in props && cfg.rules === undefined) {
      const bundled = bundledDigest(p, "rules", project);
      if (!bundled || bundled !== (digest ??= contentDigest(opts.rules))) cfg.rules = opts.rules;
    }
    if (opts.strict && "strict" in props) cfg.strict = true;
    if (Object.keys(cfg).length > 0) out[p.name] = cfg;
  }
  return out;
}

/**
 * `config` with the project's parity lock for `parity-consistency-rules` ({@link withLockConfig}): the lock file's
 * content, `false` when the project has none; nothing added when the pack says it was built with this very lock
 * (the same hash), as `pulumi preview --policy-pack` would run it.
 */
export function packLockConfig(
  info: PackInfo,
  config: PolicyPackConfig,
  lock: ParityLock | undefined,
): PolicyPackConfig {
  const policy = info.policies.find((p) => p.name === "parity-consistency-rules");
  const given = config["parity-consistency-rules"];
  const ownLock = typeof given === "object" && given !== null && "lock" in given;
  if (lock && policy && !ownLock && bundledDigest(policy, "lock", lock.project) === lock.hash) return config;
  return withLockConfig(config, lock);
}

export function policyMetadata(info: PackInfo): PolicyMeta[] {
  return info.policies.map((p) => ({
    name: p.name,
    description: p.description,
    enforcementLevel: p.enforcementLevel,
    ...(p.severity && { severity: p.severity }),
    ...(p.remediationSteps && { remediation: p.remediationSteps }),
    ...(p.url && { url: p.url }),
  }));
}

/** Policy metadata straight from the pack (GetAnalyzerInfo); none if the pack is not there/built (explain still works). */
export async function loadPolicyMetadata(_ctx: Context, dir?: string): Promise<PolicyMeta[]> {
  const packDir = dir ?? defaultPackDir();
  if (!dir && !fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) return [];
  const { session, info } = await openPack(packDir);
  await session.close();
  return policyMetadata(info);
}
