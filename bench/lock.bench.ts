/**
 * The parity lock's cost and size (not a test). Per 1,000 resources, in one run:
 *   - in process: checkSnapshotAgainstLock (normalise + lock check) against the anchor the pack already pays per stack
 *     (normaliseSnapshot + checkStack), median of LOCK_ROUNDS (default 7);
 *   - through the real pack (started as the engine starts it): AnalyzeStack of the stack with the lock in policy config
 *     against the same call without it, interleaved, median of the rounds;
 *   - the lock's size as JSON (file form and the compact form policy config carries), and the Configure round trip.
 * The stacks are the fixture reference stack of each environment, repeated to 1,000 resources.
 *
 *   npm run bench -- pack      (runs with the pack's figures)
 *   npm run bench -- lock
 */
import * as os from "os";
import * as path from "path";
import { checkStack } from "../consistency-rules/src/compare";
import {
  checkSnapshotAgainstLock,
  lockFromSnapshots,
  serialiseLock,
  withLockConfig,
} from "../consistency-rules/src/lock";
import type { Snapshot, SnapshotResource } from "../consistency-rules/src/model";
import { normaliseSnapshot } from "../consistency-rules/src/normalise";
import { loadRules } from "../consistency-rules/src/rules";
import { startPack } from "../policy-pack/harness";
import { buildPack, referenceStack } from "../test/policy-pack/fixtures";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const ROUNDS = Math.max(3, Number(process.env.LOCK_ROUNDS ?? 7));
const N = 1000;
const ENVS = ["dev", "staging", "prod"] as const;

function scaled(env: (typeof ENVS)[number]): Snapshot {
  const s = referenceStack(env);
  const base = s.resources;
  const out: SnapshotResource[] = [base[0]];
  for (let i = 0; out.length < N; i++) {
    for (const r of base.slice(1)) {
      if (out.length >= N) break;
      const name = `${r.name}-n${i}`;
      out.push({
        ...r,
        name,
        urn: r.urn.replace(/::[^:]+$/, `::${name}`),
        dependencies: r.dependencies.map((d) => `${d}-n${i}`),
      });
    }
  }
  return { ...s, resources: out };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const rules = loadRules(path.join(ROOT, "consistency-rules/data-platform.rules.json"));
  const stacks = ENVS.map(scaled);
  const lock = lockFromSnapshots(stacks, rules);
  const prod = stacks[2];
  const fileBytes = Buffer.byteLength(serialiseLock(lock));
  const compactBytes = Buffer.byteLength(JSON.stringify(lock));
  const findings = checkSnapshotAgainstLock(prod, lock, rules).filter((f) => f.status !== "pass");

  const lockMs: number[] = [];
  const anchorMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = process.hrtime.bigint();
    checkSnapshotAgainstLock(prod, lock, rules);
    lockMs.push(ms(t));
    t = process.hrtime.bigint();
    checkStack(normaliseSnapshot(prod, rules), rules);
    anchorMs.push(ms(t));
  }

  buildPack();
  const session = await startPack({ packDir: path.join(ROOT, "policy-pack") });
  const withLock: number[] = [];
  const without: number[] = [];
  const configureMs: number[] = [];
  try {
    await session.configureStack({ stack: "prod", project: "data-platform" });
    for (let i = 0; i < ROUNDS; i++) {
      let t = process.hrtime.bigint();
      await session.configure(withLockConfig({}, lock));
      configureMs.push(ms(t));
      t = process.hrtime.bigint();
      await session.analyzeStack(prod.resources);
      withLock.push(ms(t));
      await session.configure({});
      t = process.hrtime.bigint();
      await session.analyzeStack(prod.resources);
      without.push(ms(t));
    }
  } finally {
    await session.close();
  }
  const [l1] = os.loadavg();
  console.log(
    `lock of ${N} resources × ${ENVS.length} environments: ${Object.keys(lock.resources).length} locked resources; file ${(fileBytes / 1024).toFixed(0)} KiB, policy-config form (compact JSON) ${(compactBytes / 1024).toFixed(0)} KiB`,
  );
  console.log(
    `  (policy config travels in ConfigureAnalyzerRequest; the pack's gRPC server accepts 400 MiB, the 4 MiB gRPC default would hold ${((4 * 1024 * 1024) / compactBytes).toFixed(1)}× this lock)`,
  );
  console.log(
    `lock check per ${N} resources, in process: median ${median(lockMs).toFixed(1)} ms (anchor normalise+checkStack ${median(anchorMs).toFixed(1)} ms; ratio ${(median(lockMs) / median(anchorMs)).toFixed(2)}×); ${findings.length} findings on the unmutated stack`,
  );
  console.log(
    `lock check per ${N} resources, through the pack (AnalyzeStack): with lock ${median(withLock).toFixed(0)} ms, without ${median(without).toFixed(0)} ms (lock adds ${(median(withLock) - median(without)).toFixed(0)} ms); Configure with the lock ${median(configureMs).toFixed(0)} ms`,
  );
  console.log(`rounds ${ROUNDS}; load ${l1.toFixed(2)} (1-min), ${os.cpus().length} cpus`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
