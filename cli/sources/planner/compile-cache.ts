/**
 * A V8 code cache that survives between runs for the installed modules the planner's child and the policy pack load
 * (`@pulumi/pulumi`, `@pulumi/aws`, `typescript`, gRPC): most of a `parity check` is compiling the same megabytes of
 * JavaScript again. Node ≥ 22.1 has one built in (`module.enableCompileCache`, NODE_COMPILE_CACHE); on Node 20 the
 * CommonJS loader is given one here: each `.js` file under `node_modules` is compiled with its cached code (keyed by
 * the file's text), and the code V8 produced is written back once the burst of loading is over. Everything else (the
 * program, ts-node's output, ES modules, files that may call `import()`, anything that does not compile as a CommonJS
 * script) goes through Node's own `Module.prototype._compile` untouched. A cache that cannot be read or written only costs time.
 *
 * Loaded with `--require` (the pack: {@link packCompileCacheEnv}) it installs itself from ENV_PARITY_COMPILE_CACHE_DIR.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";

/** The environment variable a `--require`d copy of this file reads its cache directory from. */
export const COMPILE_CACHE_DIR_ENV = "ENV_PARITY_COMPILE_CACHE_DIR";

/** What {@link enableCompileCache} installed: Node's own cache, this file's loader hook, or nothing. */
export type CompileCacheMode = "native" | "hook" | "off";

export interface CompileCacheStats {
  mode: CompileCacheMode;
  /** Modules compiled from cached code / compiled afresh (their code written back) / whose cached code V8 refused. */
  hits: number;
  misses: number;
  rejected: number;
}

const stats: CompileCacheStats = { mode: "off", hits: 0, misses: 0, rejected: 0 };
export const compileCacheStats = (): Readonly<CompileCacheStats> => stats;

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
/** The source is wrapped on a line of its own (lineOffset -1): positions in stack traces stay those of the file. */
const WRAP_HEAD = "(function (exports, require, module, __filename, __dirname) {\n";
const WRAP_TAIL = "\n})";
/**
 * Whether the text may call a dynamic `import(…)`: Node 20 loses a script's import callback when the script comes from
 * cached code, so such files are left to Node. Not a method `.import(`, an identifier `x_import(`, nor text inside a
 * '…' or "…" string that a scan of its line from the line's start can tell for sure (TypeScript's messages quote
 * `typeof import('{0}')`); anything the scan is unsure of (a template, a comment, a regex or division) counts as a call.
 */
export function mayImport(content: string): boolean {
  for (let at = content.indexOf("import"); at >= 0; at = content.indexOf("import", at + 6)) {
    if (at > 0 && /[\w$.'"`]/.test(content[at - 1])) continue;
    let i = at + 6;
    while (i < content.length && /\s/.test(content[i])) i++;
    if (content[i] === "(" && !surelyInString(content, content.lastIndexOf("\n", at) + 1, at)) return true;
  }
  return false;
}

/** Whether `at` is inside a '…' or "…" string, scanning from `lineStart` as code; false when unsure. */
function surelyInString(content: string, lineStart: number, at: number): boolean {
  let quote: string | undefined;
  for (let i = lineStart; i < at; i++) {
    const ch = content[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "`" || ch === "\\") return false;
    else if (ch === "/") {
      const end = content[i + 1] === "*" ? content.indexOf("*/", i + 2) : -1;
      if (end < 0 || end + 2 > at) return false; // a line comment, a regex or a division: unsure
      i = end + 1;
    }
  }
  return quote !== undefined;
}

interface InternalModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string, format?: string): unknown;
}
interface ModuleStatics {
  prototype: InternalModule;
  _extensions: unknown;
  _cache: unknown;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: unknown): string[] | null;
  enableCompileCache?: (dir?: string) => unknown;
}

/** The require function Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(mod: InternalModule): NodeJS.Require {
  const M = Module as unknown as ModuleStatics;
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) =>
    M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths(request, mod);
  req.resolve = resolve;
  req.main = process.mainModule;
  req.extensions = M._extensions as NodeJS.RequireExtensions;
  req.cache = M._cache as NodeJS.Dict<NodeJS.Module>;
  return req;
}

/** Entries kept (each is one file's code under one set of flags; a run of `parity check` uses some 1,600). */
const MAX_ENTRIES = 8000;

/** After writing (files changed, another set of flags): past {@link MAX_ENTRIES}, the older half goes. */
export function prune(dir: string): void {
  try {
    const names = fs.readdirSync(dir).filter((n) => n.endsWith(".bin"));
    if (names.length <= MAX_ENTRIES) return;
    const dated = names.map((n) => {
      const file = path.join(dir, n);
      return { file, at: fs.statSync(file).mtimeMs };
    });
    dated.sort((a, b) => a.at - b.at);
    for (const { file } of dated.slice(0, dated.length - MAX_ENTRIES / 2)) fs.rmSync(file, { force: true });
  } catch {
    // pruning is best effort
  }
}

function installHook(dir: string, roots: readonly string[]): void {
  const proto = (Module as unknown as ModuleStatics).prototype;
  const original = proto._compile;
  const pending: { script: vm.Script; file: string }[] = [];
  // V8 refuses code cached under other flags (the planner's child runs with a heap limit, the pack without): one
  // entry per file, text and flags.
  const flags = JSON.stringify([process.execArgv, process.env.NODE_OPTIONS ?? ""]);
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    if (pending.length === 0) return;
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      pending.length = 0;
      return;
    }
    for (const { script, file } of pending.splice(0)) {
      try {
        const tmp = `${file}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, file);
      } catch {
        // a cache that cannot be written only costs time
      }
    }
    prune(dir);
  };
  // The code V8 has by then (the functions that ran while loading) is written once loading is over: on exit, or (a
  // process that is killed, like the pack) after a quiet moment.
  process.once("exit", flush);
  proto._compile = function compileCached(this: InternalModule, content: string, filename: string, format?: string) {
    if (
      (format !== undefined && format !== "commonjs") ||
      !(filename.includes(NODE_MODULES) || roots.some((r) => filename.startsWith(r))) ||
      !(filename.endsWith(".js") || filename.endsWith(".cjs")) ||
      mayImport(content)
    )
      return original.call(this, content, filename, format);
    const file = path.join(
      dir,
      `${createHash("sha1").update(flags).update("\0").update(filename).update("\0").update(content).digest("hex")}.bin`,
    );
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    let script: vm.Script;
    try {
      script = new vm.Script(WRAP_HEAD + content + WRAP_TAIL, {
        filename,
        lineOffset: -1,
        cachedData,
      });
    } catch {
      // not a CommonJS script (ESM syntax, a hashbang…): Node decides what it is, as without the cache
      return original.call(this, content, filename, format);
    }
    if (cachedData && !script.cachedDataRejected) stats.hits++;
    else {
      if (cachedData) stats.rejected++;
      stats.misses++;
      pending.push({ script, file });
      clearTimeout(timer);
      timer = setTimeout(flush, 500);
      timer.unref();
    }
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return Reflect.apply(fn, this.exports, [this.exports, requireFor(this), this, filename, path.dirname(filename)]);
  };
}

/**
 * Turns the cache on for this process (once): Node's own where it has one, else the loader hook. `dir` undefined (the
 * caches are off: ENV_PARITY_PLAN_CACHE=0) leaves the loader as it is.
 *
 * `@pulumi/pulumi` sets V8's `--allow-natives-syntax` when it loads (runtime/closure/v8Hooks), and V8 refuses code
 * cached under other flags: the flag is set here first, so every module of the process is compiled under the same
 * flags (code that parses without the flag parses the same with it).
 */
export function enableCompileCache(
  dir: string | undefined,
  /** Directories whose `.js` files are cached too on Node 20 (the CLI's own compiled code), besides `node_modules`. */
  roots: readonly string[] = [],
): CompileCacheMode {
  if (stats.mode !== "off" || !dir || process.env.ENV_PARITY_COMPILE_CACHE === "0") return stats.mode;
  v8.setFlagsFromString("--allow-natives-syntax");
  const native = (Module as unknown as ModuleStatics).enableCompileCache;
  if (typeof native === "function") {
    native(dir);
    stats.mode = "native";
  } else {
    installHook(
      dir,
      roots.map((r) => (r.endsWith(path.sep) ? r : r + path.sep)),
    );
    stats.mode = "hook";
  }
  return stats.mode;
}

/**
 * The CLI's own code cache: `node_modules/.cache/env-parity-cli/v8-<node>-<arch>` in the `node_modules` that holds
 * this package (installed), else in the package's own `node_modules` (a checkout). Undefined when the caches are off.
 */
export function cliCompileCacheDir(packageDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ENV_PARITY_PLAN_CACHE === "0" || env.ENV_PARITY_COMPILE_CACHE === "0") return undefined;
  const parent = path.dirname(packageDir);
  const modules =
    path.basename(parent) === "node_modules"
      ? parent
      : path.basename(path.dirname(parent)) === "node_modules" && path.basename(parent).startsWith("@")
        ? path.dirname(parent)
        : path.join(packageDir, "node_modules");
  return path.join(modules, ".cache", "env-parity-cli", `v8-${process.version}-${process.arch}`);
}

/** The cache directory beside the planner's other caches: `<node_modules>/.cache/env-parity-plan/v8-<node>-<arch>`. */
export function compileCacheDirOf(planCacheDir: string | undefined): string | undefined {
  return planCacheDir && path.join(planCacheDir, `v8-${process.version}-${process.arch}`);
}

// Preloaded with `--require` (the policy pack): install from the environment.
if (
  process.env[COMPILE_CACHE_DIR_ENV] &&
  (module as { parent?: { id?: string } | null }).parent?.id === "internal/preload"
)
  enableCompileCache(process.env[COMPILE_CACHE_DIR_ENV]);
