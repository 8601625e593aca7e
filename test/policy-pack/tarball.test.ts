/**
 * `npm pack` in policy-pack yields a tarball that, unpacked elsewhere with its dependencies, serves the same policies
 * through the harness and catches the same violations. Dependencies: `npm install --offline` from the npm cache,
 * or (when the cache lacks a transitive package) a symlink to the repo's node_modules — the test logs which.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startPack } from "../../policy-pack/harness";
import { applyCase, CASES } from "./cases";
import { buildPack, PACK_DIR, referenceStack, ROOT } from "./fixtures";

let dir: string;
beforeAll(() => {
  buildPack();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-parity-pack-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the packed tarball serves the same policies and findings", async () => {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const tgz = execFileSync(npm, ["pack", "--silent", "--pack-destination", dir], { cwd: PACK_DIR, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  execFileSync("tar", ["xzf", path.join(dir, tgz), "-C", dir]);
  const pkgDir = path.join(dir, "package");
  expect(fs.readdirSync(pkgDir).sort()).toEqual(expect.arrayContaining(["PulumiPolicy.yaml", "dist", "package.json"]));
  // nothing but dist/ ships code: the rules library and the rule JSON are inside the bundle
  expect(fs.readFileSync(path.join(pkgDir, "dist", "index.js"), "utf8")).toMatch(/project: "data-platform"/);

  const install = spawnSync(npm, ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: pkgDir,
    encoding: "utf8",
    timeout: 120_000,
  });
  let how = "npm install --offline";
  if (install.status !== 0) {
    fs.rmSync(path.join(pkgDir, "node_modules"), { recursive: true, force: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pkgDir, "node_modules"), "dir");
    how = `symlinked node_modules (offline install failed: ${(install.stderr.match(/npm error (code \w+|request to \S+)/g) ?? ["?"]).join(", ")})`;
  }
  console.log(`tarball dependencies: ${how}`);

  const [fromRepo, fromTarball] = await Promise.all([startPack({ packDir: PACK_DIR }), startPack({ packDir: pkgDir })]);
  try {
    const [a, b] = await Promise.all([fromRepo.info(), fromTarball.info()]);
    expect(b.policies).toEqual(a.policies);
    const mutant = applyCase(
      CASES.find((c) => c.policy === "dynamodb-table-pitr-enabled")!.fail,
      referenceStack("staging"),
      "staging",
    );
    const [fa, fb] = await Promise.all([fromRepo.analyzeSnapshot(mutant), fromTarball.analyzeSnapshot(mutant)]);
    expect(fb.map((f) => ({ ...f, file: undefined }))).toEqual(fa.map((f) => ({ ...f, file: undefined })));
    expect(fb.some((f) => f.ruleId === "dynamodb-table-pitr-enabled" && f.status === "fail")).toBe(true);
  } finally {
    await Promise.all([fromRepo.close(), fromTarball.close()]);
  }
});
