/**
 * The rules library's share of `parity diff`: 3 synthetic stack exports (dev/staging/prod) of 1k, 5k and 10k
 * resources, timed per phase — JSON.parse of the files, export → Snapshot (cli/sources/export), normalise, compare.
 * Prints figures (median of 5 runs) and the ratio of (convert + normalise + compare) to JSON.parse; asserts nothing.
 *   npm run bench -- rules
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackExport } from "../cli/sources/export";
import { compareSnapshots, loadRules, normaliseSnapshot, type Snapshot } from "../consistency-rules/src";
import { ENVS, stackExport } from "../test/fixtures/pulumi-docs";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const RULES = path.join(ROOT, "test/fixtures/rules/data-platform.rules.json");
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const v = f();
  return [v, Number(process.hrtime.bigint() - t) / 1e6];
}

function main(): void {
  const rules = loadRules(RULES);
  const resolveEnvironment = (stack: string): { env: string; accountId?: string; region?: string; suffix: string } => {
    const env = rules.envForStack(stack) ?? stack;
    const e = rules.environments[env];
    return { env, accountId: e?.accountId, region: e?.region, suffix: "x1" };
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-rules-bench-"));
  try {
    console.log(
      "\nresources/stack  JSON.parse ms  convert ms  normalise ms  compare ms  findings  (convert+normalise+compare)/parse  compare ms/1k",
    );
    for (const size of (process.env.BENCH_SIZES ?? "1000,5000,10000").split(",").map(Number)) {
      const files = ["dev", "staging", "prod"].map((env) => {
        const f = path.join(dir, `${env}-${size}.json`);
        fs.writeFileSync(f, JSON.stringify(stackExport({ ...ENVS[env], extraQueues: Math.max(0, size - 11) })));
        return f;
      });
      const t = { parse: [] as number[], convert: [] as number[], normalise: [] as number[], compare: [] as number[] };
      let findings = 0;
      for (let i = 0; i < RUNS; i++) {
        const [docs, p] = time(() => files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as unknown));
        const [snaps, c] = time(() =>
          docs.map((d, j) => parseStackExport(d, files[j], { resolveEnvironment } as never) as Snapshot),
        );
        const [norm, n] = time(() => snaps.map((s) => normaliseSnapshot(s, rules)));
        const [fs2, cmp] = time(() => compareSnapshots(norm, rules, new Date("2026-06-01T00:00:00Z")));
        findings = fs2.length;
        t.parse.push(p);
        t.convert.push(c);
        t.normalise.push(n);
        t.compare.push(cmp);
      }
      const [p, c, n, cmp] = [t.parse, t.convert, t.normalise, t.compare].map(median);
      console.log(
        `${String(size).padStart(15)}  ${p.toFixed(0).padStart(13)}  ${c.toFixed(0).padStart(10)}  ${n.toFixed(0).padStart(12)}  ${cmp.toFixed(0).padStart(10)}  ${String(findings).padStart(8)}  ${((c + n + cmp) / p).toFixed(2).padStart(33)}  ${((cmp / size) * 1000).toFixed(1).padStart(13)}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
