import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export interface BundleOptions {
  /** Directory esbuild reports paths against (keeps the bundle byte-identical across machines). */
  readonly workingDir?: string;
}

/** One bundle and the files it was built from, with their modification times and sizes when it was built. */
interface CachedBundle {
  readonly text: string;
  readonly inputs: readonly { readonly file: string; readonly mtimeMs: number; readonly size: number }[];
}

/**
 * Bundles built in this process, by entry and working directory. Kept on `globalThis` so that it outlives a reload of
 * the program's modules (the offline planner runs several stacks in one process, each loading the program afresh).
 */
const CACHE_KEY = Symbol.for("env-parity.lambda-bundle.cache");
function bundleCache(): Map<string, CachedBundle> {
  const g = globalThis as { [CACHE_KEY]?: Map<string, CachedBundle> };
  return (g[CACHE_KEY] ??= new Map());
}

/** The cached bundle, if none of the files it was built from changed since. */
function fresh(cached: CachedBundle | undefined): string | undefined {
  if (!cached) return undefined;
  for (const input of cached.inputs) {
    const stat = fs.statSync(input.file, { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs !== input.mtimeMs || stat.size !== input.size) return undefined;
  }
  return cached.text;
}

/**
 * Bundles a TypeScript Lambda handler with esbuild (CommonJS, Node 22, AWS SDK v3 external as the runtime
 * provides it) into an archive with one `index.js`. Runs when the program runs, so `pulumi up` ships the
 * current source; the output is deterministic, so unchanged code yields an unchanged archive. Within one process
 * a handler whose source files are unchanged (modification time and size) is bundled once.
 * @param entry absolute path of the handler module (it must export `handler`).
 */
export function bundleHandler(entry: string, options: BundleOptions = {}): pulumi.asset.AssetArchive {
  const workingDir = options.workingDir ?? path.dirname(entry);
  const key = `${entry}\0${workingDir}`;
  const cache = bundleCache();
  let text = fresh(cache.get(key));
  if (text === undefined) {
    const result = esbuild.buildSync({
      entryPoints: [entry],
      absWorkingDir: workingDir,
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      external: ["@aws-sdk/*"],
      write: false,
      outfile: "index.js",
      legalComments: "none",
      logLevel: "silent",
      metafile: true,
    });
    const js = result.outputFiles.find((f) => f.path.endsWith("index.js"));
    if (!js) throw new Error(`esbuild produced no index.js for ${entry}`);
    text = js.text;
    const inputs = Object.keys(result.metafile.inputs).map((rel) => {
      const file = path.resolve(workingDir, rel);
      const stat = fs.statSync(file);
      return { file, mtimeMs: stat.mtimeMs, size: stat.size };
    });
    cache.set(key, { text, inputs });
  }
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(text) });
}
