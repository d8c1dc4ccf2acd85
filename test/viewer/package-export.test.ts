import { afterAll, beforeAll, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

// The viewer as a user of the built package gets it: `trajlog/viewer` from dist/, with the
// front end and uPlot resolved from the package, not from the source tree.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "trajlog-pkg-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("trajlog/viewer starts a viewer that serves its page and assets from the built package", async () => {
  const { startViewer } = await import("trajlog/viewer");
  const viewer = await startViewer({ logDir: dir, port: 0 });
  try {
    await viewer.index.ready;
    const statuses = [];
    for (const asset of ["/", "/assets/app.js", "/assets/style.css", "/vendor/uplot.js", "/vendor/uplot.css"]) {
      statuses.push([asset, (await fetch(new URL(asset, viewer.url))).status]);
    }
    expect(statuses).toEqual([["/", 200], ["/assets/app.js", 200], ["/assets/style.css", 200], ["/vendor/uplot.js", 200], ["/vendor/uplot.css", 200]]);
    expect(await (await fetch(new URL("/api/overview", viewer.url))).json()).toEqual({ logDir: dir, generation: 0, indexing: null, sessions: 0, forced: "apart", experiments: [] });
  } finally {
    await viewer.close();
  }
});
