/** bundleHandler: a TypeScript Lambda handler bundled with esbuild into a deterministic one-file archive. */
import * as path from "node:path";
import * as vm from "node:vm";
import { bundleHandler } from "@env-parity/components";

describe("bundleHandler", () => {
  const entry = path.join(__dirname, "fixtures/handler/index.ts");
  test("bundles a TypeScript handler and its imports into one runnable index.js, AWS SDK external", async () => {
    const archive = bundleHandler(entry, { workingDir: path.resolve(__dirname, "../..") });
    const assets = await archive.assets;
    const text = await (assets["index.js"] as unknown as { text: Promise<string> }).text;
    expect(text).toContain('require("@aws-sdk/client-sqs")');
    expect(text).not.toMatch(/^\s*(import|export) /m); // CommonJS, the sibling module inlined
    expect(text).not.toContain("./greeting");
    const mod = { exports: {} as { handler?: (e: unknown) => Promise<unknown> } };
    vm.runInNewContext(text, { module: mod, exports: mod.exports, require });
    await expect(mod.exports.handler!({ name: "parity" })).resolves.toEqual({ statusCode: 200, body: "hello, parity" });
    expect((mod.exports as { sdkClientName?: () => string }).sdkClientName!()).toBe("SQSClient");
  });
  test("is deterministic", async () => {
    const a = await ((await bundleHandler(entry).assets)["index.js"] as unknown as { text: Promise<string> }).text;
    const b = await ((await bundleHandler(entry).assets)["index.js"] as unknown as { text: Promise<string> }).text;
    expect(a).toBe(b);
  });
  test("a missing entry fails with esbuild's message", () => {
    expect(() => bundleHandler(path.join(__dirname, "fixtures/handler/missing.ts"))).toThrow(
      /Could not resolve|missing\.ts/,
    );
  });
});
