/**
 * `parity diff` on synthetic exports (dev/staging/prod) of 1k, 5k and 10k resources each, against the time to
 * JSON.parse the same files (goal at 3 × 10k: diff ≤ 3 × parse). Prints figures; asserts nothing.
 *   npm run bench -- diff      (bench/run.js bundles it next to the sources and sets ENV_PARITY_ROOT)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../cli/main";
import { ENVS, stackExport } from "../test/fixtures/pulumi-docs";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const RULES = path.join(ROOT, "test/fixtures/rules/data-platform.rules.json");
const RESOURCES_PER_QUEUE = 1; // stackResources() has 10-11 fixed resources plus `extraQueues`

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(size: number, dir: string): Promise<{ size: number; mb: number; parseMs: number; diffMs: number }> {
  const files = ["dev", "staging", "prod"].map((env) => {
    const f = path.join(dir, `${env}-${size}.json`);
    fs.writeFileSync(f, JSON.stringify(stackExport({ ...ENVS[env], extraQueues: Math.max(0, size - 11) / RESOURCES_PER_QUEUE })));
    return f;
  });
  const mb = files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1e6;
  const parse: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = process.hrtime.bigint();
    for (const f of files) JSON.parse(fs.readFileSync(f, "utf8"));
    parse.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    const code = await run(["diff", ...files, "--rules", RULES, "--format", "json", "--quiet"], {
      stdout: () => undefined,
      stderr: (s) => process.stderr.write(s),
      isTTY: false,
      env: {},
      cwd: ROOT,
      now: () => new Date(),
    });
    diff.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (code !== 0) throw new Error(`diff exited ${code}`);
  }
  return { size, mb, parseMs: median(parse), diffMs: median(diff) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-bench-"));
  try {
    console.log("\nresources/stack  MB(3 files)  JSON.parse ms  parity diff ms  ratio  ms per 1k resources");
    for (const size of [1000, 5000, 10000]) {
      const r = await measure(size, dir);
      console.log(
        `${String(r.size).padStart(15)}  ${r.mb.toFixed(1).padStart(11)}  ${r.parseMs.toFixed(0).padStart(13)}  ${r.diffMs.toFixed(0).padStart(14)}  ${(r.diffMs / r.parseMs).toFixed(1).padStart(5)}  ${((r.diffMs / r.size) * 1000).toFixed(0).padStart(20)}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
