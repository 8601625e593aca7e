/**
 * The type check the engine's language host does before it runs a TypeScript program (ts-node's default), done once
 * per batch over the program's entry and everything it imports, with the compiler ts-node uses. A check that passed
 * is remembered on disk by the content of every file it read (the project's sources by hash, installed declarations by
 * size and modification time), so an unchanged program is not checked again.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as TS from "typescript";

/** Diagnostics ts-node ignores by default (6059: rootDir, 18002/18003: no inputs). */
const IGNORED = new Set([6059, 18002, 18003]);
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

interface CacheRecord {
  readonly key: string;
  readonly files: [string, string][];
  /** The first diagnostic of a check that failed (a broken program is not checked again until a file changes). */
  readonly error?: string;
}

function fingerprint(file: string): string {
  try {
    if (file.includes(NODE_MODULES)) {
      const st = fs.statSync(file);
      return `${st.size}:${st.mtimeMs}`;
    }
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch {
    return "missing";
  }
}

/** The project's package.json and, up the tree, every package-lock.json and node_modules/.package-lock.json. */
function installationFiles(projectDir: string): string[] {
  const out: string[] = [];
  for (let dir = projectDir; ; dir = path.dirname(dir)) {
    for (const f of ["package.json", "package-lock.json", path.join("node_modules", ".package-lock.json")]) {
      const file = path.join(dir, f);
      if (fs.existsSync(file)) out.push(file);
    }
    if (path.dirname(dir) === dir) return out;
  }
}

/** The entry file of a program path (`main` may name a directory). */
function entryOf(program: string): string[] {
  if (!fs.statSync(program).isDirectory()) return [program];
  for (const name of ["index.ts", "index.tsx", "index.js"]) {
    const f = path.join(program, name);
    if (fs.existsSync(f)) return [f];
  }
  return [];
}

/**
 * Type-checks the program; returns the first diagnostic as `file:line:col message` (file relative to the project),
 * or undefined when the program type-checks.
 */
export function typecheck(
  ts: typeof TS,
  program: string,
  projectDir: string,
  options: TS.CompilerOptions,
  cacheDir: string | undefined,
): { error?: string; cached: boolean } {
  const roots = entryOf(program);
  const key = createHash("sha256")
    .update(JSON.stringify([ts.version, options, roots]))
    .digest("hex");
  const cacheFile = cacheDir && path.join(cacheDir, `typecheck-${key}.json`);
  if (cacheFile) {
    try {
      const rec = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as CacheRecord;
      if (rec.key === key && rec.files.every(([f, fp]) => fingerprint(f) === fp))
        return { cached: true, ...(rec.error !== undefined && { error: rec.error }) };
    } catch {
      // no usable record: check
    }
  }
  // The project's files are fingerprinted by the text the compiler read, not read again afterwards: a file edited during
  // the check must not be recorded with its new hash next to a verdict about its old text.
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const readFile = host.readFile.bind(host);
  const readHashes = new Map<string, string>();
  host.readFile = (file) => {
    const text = readFile(file);
    if (text !== undefined && !file.includes(NODE_MODULES))
      readHashes.set(path.resolve(file), createHash("sha256").update(text).digest("hex"));
    return text;
  };
  const prog = ts.createProgram(roots, { ...options, noEmit: true }, host);
  const diagnostics = [
    ...prog.getOptionsDiagnostics(),
    ...prog.getGlobalDiagnostics(),
    ...prog
      .getSourceFiles()
      .flatMap((sf) =>
        sf.isDeclarationFile || sf.fileName.includes("/node_modules/")
          ? []
          : [...prog.getSyntacticDiagnostics(sf), ...prog.getSemanticDiagnostics(sf)],
      ),
  ].filter((d) => d.category === ts.DiagnosticCategory.Error && !IGNORED.has(d.code));
  let error: string | undefined;
  if (diagnostics.length > 0) {
    const d = diagnostics[0];
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      const rel = path.relative(projectDir, d.file.fileName).split(path.sep).join("/");
      error = `${rel}:${line + 1}:${character + 1} TS${d.code}: ${text}`;
    } else error = `TS${d.code}: ${text}`;
  }
  if (cacheFile) {
    try {
      // A module installed later (a failed import) changes the installation's lock files, which are recorded too.
      const files = [...prog.getSourceFiles().map((sf) => path.resolve(sf.fileName)), ...installationFiles(projectDir)];
      const rec: CacheRecord = {
        key,
        files: files.map((f) => [f, readHashes.get(f) ?? fingerprint(f)]),
        ...(error !== undefined && { error }),
      };
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, JSON.stringify(rec));
      fs.renameSync(tmp, cacheFile);
    } catch {
      // a cache that cannot be written only costs time
    }
  }
  return { cached: false, ...(error !== undefined && { error }) };
}
