/** The policy pack as the CLI uses it: where it is, its metadata (GetAnalyzerInfo), a session for `check`. */
import * as fs from "node:fs";
import * as path from "node:path";
import { startPack } from "../../policy-pack/harness";
import type { PackInfo, PackSession, PolicyPackConfig } from "../../policy-pack/harness";
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
  if (!fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))) throw new InputError(dir, "", "is not a policy pack directory (no PulumiPolicy.yaml)");
  const pkg = path.join(dir, "package.json");
  if (fs.existsSync(pkg)) {
    const main = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { main?: string }).main;
    if (main && !fs.existsSync(path.join(dir, main))) throw new InputError(pkg, "main", `names ${main}, which is not built: run \`npm run build\``);
  }
  return dir;
}

export async function openPack(dir: string): Promise<{ session: PackSession; info: PackInfo }> {
  const session = await startPack({ packDir: checkPackDir(dir) });
  try {
    return { session, info: await session.info() };
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** Pack config: every policy strict under --strict (the pack then fails indeterminates itself). */
export function packConfig(info: PackInfo, strict: boolean): PolicyPackConfig {
  if (!strict) return {};
  return Object.fromEntries(info.policies.filter((p) => p.configSchema?.properties && "strict" in p.configSchema.properties).map((p) => [p.name, { strict: true }]));
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
