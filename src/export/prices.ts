/**
 * Price tables for estimated costs: USD per million tokens, per model. The logs record tokens,
 * never prices, so a cost is only ever estimated from a table the caller gives
 * (`trajlog export --prices FILE`); without one it stays unknown (null), never 0.
 */
import { describe } from "../internal/describe.js";
import type { TokenUsage } from "./opentraces-schema.js";

/** What one model's tokens cost, in USD per million tokens. */
export interface ModelPrice {
  input_usd_per_mtok: number;
  output_usd_per_mtok: number;
  /** Tokens read from a prompt cache. @default the input price */
  cache_read_usd_per_mtok?: number;
  /** Tokens written to a prompt cache. @default the input price */
  cache_write_usd_per_mtok?: number;
}

/** Prices by model name, as the logs name models (`root_model`, a sub-model call's `root_model`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

const FIELDS = ["input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok", "cache_write_usd_per_mtok"] as const;
const REQUIRED = new Set<string>(["input_usd_per_mtok", "output_usd_per_mtok"]);

/**
 * Checks a parsed price table. Throws a TypeError naming the model and field, what was
 * expected and what was received; `source` (e.g. the file name) starts the message.
 */
export function parsePriceTable(value: unknown, source: string): PriceTable {
  const example = '{"my-model": {"input_usd_per_mtok": 0.5, "output_usd_per_mtok": 1.5}}';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${source}: expected an object of model name -> prices, e.g. ${example}; received ${describe(value)}`);
  }
  const table: Record<string, ModelPrice> = {};
  for (const [model, entry] of Object.entries(value)) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new TypeError(`${source}: model ${JSON.stringify(model)}: expected an object of prices, e.g. ${example}; received ${describe(entry)}`);
    }
    for (const key of Object.keys(entry)) {
      if (!(FIELDS as readonly string[]).includes(key)) {
        throw new TypeError(`${source}: model ${JSON.stringify(model)}: unknown field ${JSON.stringify(key)}; fields are ${FIELDS.join(", ")}`);
      }
    }
    const price: Record<string, number> = {};
    for (const field of FIELDS) {
      const v = (entry as Record<string, unknown>)[field];
      if (v === undefined && !REQUIRED.has(field)) continue;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new TypeError(`${source}: model ${JSON.stringify(model)}: ${field} must be a number >= 0 (USD per million tokens); received ${describe(v)}`);
      }
      price[field] = v;
    }
    table[model] = price as unknown as ModelPrice;
  }
  return table;
}

/** The estimated cost of some model calls: null, with the models that have no price, when any call's model is missing from the table. */
export interface CostEstimate {
  usd: number | null;
  unpricedModels: string[];
}

/** Sums the cost of calls given as (model, token usage). */
export function estimateCost(calls: Iterable<{ model: string | null | undefined; usage: TokenUsage }>, prices: PriceTable): CostEstimate {
  let usd = 0;
  const unpriced = new Set<string>();
  for (const { model, usage } of calls) {
    const price = model === null || model === undefined ? undefined : Object.hasOwn(prices, model) ? prices[model] : undefined;
    if (price === undefined) {
      unpriced.add(model ?? "(no model name)");
      continue;
    }
    // input_tokens counts cached prompt tokens too; they are priced at the cache rates instead.
    const cached = (usage.cache_read_tokens ?? 0) + (usage.cache_write_tokens ?? 0);
    usd +=
      (Math.max(0, (usage.input_tokens ?? 0) - cached) * price.input_usd_per_mtok +
        (usage.output_tokens ?? 0) * price.output_usd_per_mtok +
        (usage.cache_read_tokens ?? 0) * (price.cache_read_usd_per_mtok ?? price.input_usd_per_mtok) +
        (usage.cache_write_tokens ?? 0) * (price.cache_write_usd_per_mtok ?? price.input_usd_per_mtok)) /
      1e6;
  }
  return unpriced.size > 0 ? { usd: null, unpricedModels: [...unpriced].sort() } : { usd, unpricedModels: [] };
}
