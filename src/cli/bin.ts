#!/usr/bin/env node
/** The `trajlog` executable. */
import { main } from "./main.js";

await main();
