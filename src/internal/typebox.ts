/**
 * The schema library's builders, loaded through `require`.
 *
 * Its ES module build is some 220 files, which Node's ES module loader opens all at once:
 * under a small descriptor limit (`ulimit -n 64`, as some clusters set) `import "trajlog"`
 * failed with EMFILE. `require` reads its CommonJS build one file at a time. Types still come
 * from the package itself, so nothing else changes.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** `Type`, the schema builder. */
export const { Type } = require("@sinclair/typebox") as typeof import("@sinclair/typebox");
/** `TypeCompiler`, which compiles a schema into a fast check. */
export const { TypeCompiler } = require("@sinclair/typebox/compiler") as typeof import("@sinclair/typebox/compiler");
