/**
 * The `yaml` library, loaded on first use and once per process. Built (`npm run build`), it is the single-file copy
 * the build bundles beside this module (`dist/consistency-rules/vendor/yaml.js`, see consistency-rules/scripts/
 * bundle-yaml.js): one file to load instead of the package's ~70, which is most of the cost of the first YAML a
 * command reads. From the TypeScript sources (tests), or where the copy is missing, the installed package.
 */
import * as path from "node:path";
import type * as Yaml from "yaml";

/** Where the build writes the bundled copy, relative to this module once compiled. */
export const VENDORED_YAML = path.join(__dirname, "..", "vendor", "yaml.js");

let lib: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  if (lib) return lib;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require(VENDORED_YAML) as typeof Yaml;
  } catch (e) {
    if (
      (e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND" ||
      !String((e as Error).message).includes(VENDORED_YAML)
    )
      throw e;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require("yaml") as typeof Yaml;
  }
  return lib;
}
