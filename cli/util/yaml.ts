/**
 * The `yaml` library, loaded on first use: a `parity diff` of exports, previews or plans reads no YAML unless the
 * project has a `Pulumi.<stack>.yaml` for the stack's suffix, and then need not load it (~15–35 ms of start-up).
 */
import type * as Yaml from "yaml";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const yaml = (): typeof Yaml => require("yaml") as typeof Yaml;
