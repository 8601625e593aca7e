/**
 * Sets this process up as `@pulumi/pulumi/cmd/run` sets up a program (the engine's nodejs language host): for a
 * TypeScript project, ts-node and the compiler as the SDK's `tsutils` resolves them (the project's, else the ones the
 * SDK vendors), the project's tsconfig over the host's defaults, and the type check the host does unless the project
 * opts out (`noCheck`, `PULUMI_NODEJS_TRANSPILE_ONLY=true`). Each file is transpiled once per source text, options and
 * compiler version: in memory across the stacks of a batch and on disk across runs.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as TS from "typescript";
import { bootTimings } from "./boot-timings";
import { typecheck } from "./typecheck";
import type { PlanWorkerInput } from "./types";

/**
 * Type-checks a stack's program once per batch (as the host does before running it, unless the project opts out):
 * the first diagnostic, `file:line:col TSnnnn: message`, or undefined. Set by {@link boot}.
 */
export let checkProgram: (input: PlanWorkerInput) => string | undefined = () => undefined;

interface TsNodeService {
  compile?(code: string, fileName: string, lineOffset?: number): string;
  config?: { options: unknown };
  ts?: { version: string };
}

/** Where compiled output and type-check records are kept between runs (under the SDK's node_modules/.cache). */
export function cacheDirOf(pulumiDir: string): string | undefined {
  return process.env.ENV_PARITY_PLAN_CACHE === "0"
    ? undefined
    : path.resolve(pulumiDir, "..", "..", ".cache", "env-parity-plan");
}

function cacheCompile(
  service: TsNodeService,
  tsnodeVersion: string,
  cacheDir: string | undefined,
  sourceMapSupport: string | undefined,
): void {
  const compile = service.compile?.bind(service);
  if (!compile || !service.config) return; // ts-node 7 (vendored) compiles through a closure: nothing to cache around
  const timings = bootTimings();
  const compiled = new Map<string, { code: string; output: string }>();
  const optionsKey = JSON.stringify([service.ts?.version, tsnodeVersion, service.config.options]);
  const cacheFile = (fileName: string, code: string) =>
    path.join(
      cacheDir!,
      `${createHash("sha256").update(optionsKey).update("\0").update(fileName).update("\0").update(code).digest("hex")}.js`,
    );
  if (sourceMapSupport) {
    // Output served from the cache is registered for source maps, as ts-node registers what it compiles.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require(sourceMapSupport) as { install(o: unknown): void }).install({
      retrieveFile: (file: string) => compiled.get(file)?.output ?? "",
    });
  }
  service.compile = (code, fileName, lineOffset) => {
    const hit = compiled.get(fileName);
    if (hit && hit.code === code && !lineOffset) {
      timings.reused++;
      return hit.output;
    }
    const t = performance.now();
    const file = lineOffset || !cacheDir ? undefined : cacheFile(fileName, code);
    let output: string | undefined;
    try {
      if (file) output = fs.readFileSync(file, "utf8");
    } catch {
      output = undefined;
    }
    if (output === undefined) {
      output = compile(code, fileName, lineOffset);
      timings.transpiled++;
      if (file) {
        try {
          fs.mkdirSync(cacheDir!, { recursive: true });
          const tmp = `${file}.${process.pid}`;
          fs.writeFileSync(tmp, output);
          fs.renameSync(tmp, file);
        } catch {
          // a cache that cannot be written only costs time
        }
      }
    } else timings.reused++;
    timings.transpileMs += performance.now() - t;
    if (!lineOffset) compiled.set(fileName, { code, output });
    return output;
  };
}

/**
 * The SDK records a stack trace on every promise it makes, shown only with PULUMI_DEBUG_PROMISE_LEAKS set; formatting
 * (and source-mapping) them costs more than the plan itself. Unless that variable is set they are left unformatted.
 */
function cheapPromiseTraces(): void {
  const mapped = Error.prepareStackTrace;
  if (mapped && !process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    Error.prepareStackTrace = (error, frames) =>
      frames.length > 0 && frames[0].getFunctionName() === "debuggablePromise" ? String(error) : mapped(error, frames);
  }
}

/** Registers TypeScript for the batch (all inputs share SDK, tsconfig text and runtime options). */
export function boot(input: PlanWorkerInput, startedAt: number): void {
  const timings = bootTimings();
  const runtime = input.runtime ?? {
    typescript: true,
    typecheck: false,
    tsconfig: path.join(input.projectDir, "tsconfig.json"),
  };
  if (runtime.typescript) {
    const pulumiDir = path.dirname(input.pulumiModule);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsutils = require(path.join(pulumiDir, "tsutils")) as {
      loadTypeScriptCompilerOptions(file: string): Record<string, unknown>;
      typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    };
    const skipProject = !fs.existsSync(runtime.tsconfig);
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(runtime.tsconfig);
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    // Resolved as tsutils resolves them (from the SDK's own location).
    const fromSdk = (id: string) => (path.isAbsolute(id) ? id : require.resolve(id, { paths: [pulumiDir] }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require(fromSdk(typescriptRequire)) as typeof TS;
    const [major, minor] = ts.version.split(".").map(Number);
    const nodeNext = major > 4 || (major === 4 && minor >= 7);
    const options = {
      target: "ES2020",
      module: nodeNext ? "nodenext" : "commonjs",
      moduleResolution: nodeNext ? "nodenext" : "node",
      sourceMap: "true",
      ...compilerOptions,
    };
    const cacheDir = cacheDirOf(pulumiDir);
    const checked = new Map<string, string | undefined>();
    checkProgram = (other) => {
      if (!other.runtime?.typecheck) return undefined;
      if (!checked.has(other.program)) {
        const t = performance.now();
        const converted = ts.convertCompilerOptionsFromJson({ ...options, sourceMap: true }, other.projectDir).options;
        const result = typecheck(ts, other.program, other.projectDir, converted, cacheDir);
        timings.typecheckMs += performance.now() - t;
        timings.typecheckCached = result.cached;
        checked.set(other.program, result.error);
      }
      return checked.get(other.program);
    };
    const tsnodePath = fromSdk(tsnodeRequire);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsnode = require(tsnodePath) as { VERSION: string; register(o: unknown): TsNodeService | undefined };
    (globalThis as { __planTsNodeVersion?: string }).__planTsNodeVersion = tsnode.VERSION;
    // The check above is the engine's; ts-node then only transpiles (transpileOnly: ts-node ≥ 8, typeCheck: ts-node 7).
    const service = tsnode.register({
      compiler: fromSdk(typescriptRequire),
      transpileOnly: true,
      typeCheck: false,
      project: runtime.tsconfig,
      skipProject,
      compilerOptions: options,
    });
    let sourceMapSupport: string | undefined;
    try {
      sourceMapSupport = require.resolve("@cspotcode/source-map-support", { paths: [path.dirname(tsnodePath)] });
    } catch {
      sourceMapSupport = undefined;
    }
    if (service) cacheCompile(service, tsnode.VERSION, cacheDir, sourceMapSupport);
  }
  cheapPromiseTraces();
  timings.bootMs = Date.now() - startedAt;
}
