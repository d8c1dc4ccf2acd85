/**
 * A worker thread of `read-pool.ts`: reads a session file, applies `--redact`, and makes its
 * dataset rows (`prepared-session.ts`), so that parsing uses every core while the main thread
 * only routes text to DuckDB.
 */
import { parentPort, workerData } from "node:worker_threads";
import { redactRecord } from "../export/redact-record.js";
import { readSession } from "../read/reader.js";
import { type SessionRef } from "../read/scan.js";
import { prepareSession, transferables } from "./prepared-session.js";
import type { ReadJob, ReadJobResult, ReadWorkerOptions } from "./read-pool.js";

const options = workerData as ReadWorkerOptions;

parentPort?.on("message", (job: ReadJob) => {
  void handle(job.id, job.ref);
});

async function handle(id: number, ref: SessionRef): Promise<void> {
  let result: ReadJobResult;
  let transfer: ArrayBuffer[] = [];
  try {
    const record = await readSession(ref.path, { maxLineBytes: options.maxLineBytes, maxFileBytes: options.maxFileBytes, prompts: "full" });
    record.ref = ref;
    const prepared = prepareSession(options.redact ? redactRecord(record).record : record);
    // The iterations travel as rows; the record keeps what selection and reporting read.
    result = { id, record: { ...record, iterations: [] }, prepared };
    transfer = transferables(prepared);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    result = { id, error: { message: e instanceof Error ? e.message : String(error), code: e?.code } };
  }
  parentPort?.postMessage(result, transfer);
}
