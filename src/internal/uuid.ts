/** Name-based UUIDs (RFC 9562 version 5), so the same name always gives the same id. */
import { createHash } from "node:crypto";

/** The namespace of trajlog's session UUIDs (a fixed random UUID). */
const TRAJLOG_NAMESPACE = "3f6c2a1e-8b4d-4f0a-9c7e-5d2b1a0e6f49";

/** A version-5 UUID of `name` in trajlog's namespace. */
export function uuidFromName(name: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(TRAJLOG_NAMESPACE.replace(/-/g, ""), "hex"))
    .update(name, "utf8")
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
