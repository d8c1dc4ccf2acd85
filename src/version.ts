/** The package's own version, read from its package.json. */
import { createRequire } from "node:module";

/** trajlog's version, as in package.json. */
export const VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
