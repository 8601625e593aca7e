/**
 * The planner's type-check cache records each project file by the text the compiler read: a file edited while the
 * check runs is checked again next time instead of carrying the old text's verdict under the new text's hash.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { typecheck } from "../../cli/sources/planner/typecheck";

test("an edit during the check does not cache the old text's error for the new text", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-typecheck-"));
  try {
    const file = path.join(dir, "index.ts");
    fs.writeFileSync(file, 'import { missing } from "./gone";\nexport const x = missing;\n');
    const options: ts.CompilerOptions = { strict: true, module: ts.ModuleKind.CommonJS, types: [] };
    // The fix lands while the compiler is checking the broken text.
    const racing = {
      ...ts,
      createProgram: (roots: readonly string[], opts: ts.CompilerOptions, host?: ts.CompilerHost) => {
        const program = ts.createProgram(roots, opts, host);
        program.getSemanticDiagnostics();
        fs.writeFileSync(file, "export const x = 1;\n");
        return program;
      },
    } as typeof ts;
    const cache = path.join(dir, "cache");
    expect(typecheck(racing, file, dir, options, cache).error).toMatch(/^index\.ts:1:25 TS2307: /);
    expect(typecheck(ts, file, dir, options, cache)).toEqual({ cached: false });
    expect(typecheck(ts, file, dir, options, cache)).toEqual({ cached: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
