/**
 * readTextFile reads bytes and decodes them (faster on Node 20/22 than `readFileSync(file, "utf8")`): the string must
 * be the one `readFileSync(file, "utf8")` gives for every byte sequence, valid UTF-8 or not, and a file that cannot be
 * read is a one-line input error naming it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { readTextFile } from "../../cli/util/files";
import { InputError } from "../../cli/util/errors";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-read-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function written(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}

describe("readTextFile", () => {
  test.each([
    ["a BOM, kept", Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])],
    ["multi-byte characters", Buffer.from('{"név":"日本語 🚀"}', "utf8")],
    ["invalid sequences (→ U+FFFD)", Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80, 0x7d])],
    ["a truncated 4-byte character at the end", Buffer.from([0x22, 0xf0, 0x9f, 0x9a])],
    ["an empty file", Buffer.alloc(0)],
  ])("%s: the same string as readFileSync(file, 'utf8')", (_, bytes) => {
    const f = written("case.json", bytes);
    expect(readTextFile(f)).toBe(fs.readFileSync(f, "utf8"));
  });

  test("any bytes: the same string as readFileSync(file, 'utf8')", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const f = written("any.bin", bytes);
        return readTextFile(f) === fs.readFileSync(f, "utf8");
      }),
      { numRuns: 300 },
    );
  });

  test("a missing file or a directory: an input error naming it", () => {
    const missing = path.join(dir, "nope.json");
    expect(() => readTextFile(missing)).toThrow(InputError);
    expect(() => readTextFile(missing)).toThrow(/nope\.json.*cannot be read: no such file/);
    expect(() => readTextFile(dir)).toThrow(/cannot be read: is a directory, expected a file/);
  });
});
