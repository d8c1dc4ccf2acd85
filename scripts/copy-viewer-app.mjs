// The viewer's front end (src/viewer/app: plain ES modules, CSS, HTML) is served as written, so
// the build copies it beside the compiled server: dist/viewer/app, which the server finds at
// `../app/` from dist/viewer/server just as it does from src/viewer/server.
import { cpSync, rmSync } from "node:fs";

const from = new URL("../src/viewer/app/", import.meta.url);
const to = new URL("../dist/viewer/app/", import.meta.url);
// A file removed from the source must not live on in dist.
rmSync(to, { recursive: true, force: true });
// The app's tsconfig.json is for type-checking the sources only.
cpSync(from, to, { recursive: true, filter: (source) => !source.endsWith("tsconfig.json") });
