import * as esbuild from "esbuild";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export interface BundleOptions {
  /** Directory esbuild reports paths against (keeps the bundle byte-identical across machines). */
  readonly workingDir?: string;
}

/**
 * Bundles a TypeScript Lambda handler with esbuild (CommonJS, Node 22, AWS SDK v3 external as the runtime
 * provides it) into an archive with one `index.js`. Runs when the program runs, so `pulumi up` ships the
 * current source; the output is deterministic, so unchanged code yields an unchanged archive.
 * @param entry absolute path of the handler module (it must export `handler`).
 */
export function bundleHandler(entry: string, options: BundleOptions = {}): pulumi.asset.AssetArchive {
  const result = esbuild.buildSync({
    entryPoints: [entry],
    absWorkingDir: options.workingDir ?? path.dirname(entry),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    external: ["@aws-sdk/*"],
    write: false,
    outfile: "index.js",
    legalComments: "none",
    logLevel: "silent",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith("index.js"));
  if (!js) throw new Error(`esbuild produced no index.js for ${entry}`);
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(js.text) });
}
