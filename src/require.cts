/**
 * What `require("trajlog")` loads. trajlog is an ES module; Node.js loads one from `require`
 * (require(esm)) from 20.19 and 22.12 on, and the module then is the same instance `import`
 * gets — no second copy, no class that fails `instanceof`. Older versions cannot, and this
 * says so in trajlog's words, with the two ways out.
 */
type Trajlog = typeof import("./index.js", { with: { "resolution-mode": "import" } });

function load(): Trajlog {
  try {
    return require("./index.js") as Trajlog;
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === "ERR_REQUIRE_ESM") {
      throw new Error(
        `trajlog: require("trajlog") needs Node.js's require() of ES modules: Node.js 20.19 or later (22.12 or later on 22.x), not turned off by --no-experimental-require-module; this is ${process.version}. Use \`await import("trajlog")\` instead, or a newer Node.js.`,
        { cause: err },
      );
    }
    throw err;
  }
}

export = load();
