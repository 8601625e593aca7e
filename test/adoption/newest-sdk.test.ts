/**
 * The top of the peer range: the pack, run on the newest @pulumi/pulumi and @pulumi/policy (installed by .ci/run into
 * a scratch directory, PARITY_NEWEST_PACK_DIR), serves the same policies and the same findings as on the pinned SDK.
 * Without PARITY_NEWEST_PACK_DIR (a plain `npm test`) there is nothing to compare, and the test is skipped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startPack } from "../../policy-pack/harness";
import { applyCase, CASES } from "../policy-pack/cases";
import { buildPack, PACK_DIR, referenceStack } from "../policy-pack/fixtures";

const NEWEST = process.env.PARITY_NEWEST_PACK_DIR;
const maybe = NEWEST ? test : test.skip;

maybe(
  "the pack on the newest SDK reports what it reports on the pinned one",
  async () => {
    buildPack();
    const dir = NEWEST as string;
    fs.copyFileSync(path.join(PACK_DIR, "dist", "index.js"), path.join(dir, "dist", "index.js"));
    const sdk = JSON.parse(
      fs.readFileSync(path.join(dir, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
    ) as { version: string };
    console.log(`newest @pulumi/pulumi ${sdk.version} on node ${process.version}`);
    const [pinned, newest] = await Promise.all([startPack({ packDir: PACK_DIR }), startPack({ packDir: dir })]);
    try {
      const [a, b] = await Promise.all([pinned.info(), newest.info()]);
      expect(b.policies).toEqual(a.policies);
      for (const policy of [
        "dynamodb-table-pitr-enabled",
        "s3-bucket-versioning-enabled",
        "parity-consistency-rules",
      ]) {
        const c = CASES.find((x) => x.policy === policy);
        if (!c) throw new Error(`no case for ${policy}`);
        const mutant = applyCase(c.fail, referenceStack("staging"), "staging");
        const [fa, fb] = await Promise.all([pinned.analyzeSnapshot(mutant), newest.analyzeSnapshot(mutant)]);
        expect(fb.map((f) => ({ ...f, file: undefined }))).toEqual(fa.map((f) => ({ ...f, file: undefined })));
        expect(fb.some((f) => f.ruleId === policy && f.status === "fail")).toBe(true);
      }
    } finally {
      await Promise.all([pinned.close(), newest.close()]);
    }
  },
  180_000,
);
