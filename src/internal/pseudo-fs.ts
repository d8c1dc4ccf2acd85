/**
 * Telling a log directory on a kernel pseudo file system (/proc, /sys, cgroup, debugfs...)
 * from a real one. Nothing can be logged there, and Node's own recursive `mkdir` never returns
 * under /proc, so such a `logDir` is refused when the logger is made rather than found out
 * when the first rollout is written.
 */
import fs from "node:fs";
import path from "node:path";

/** `f_type` of the pseudo file systems (linux/magic.h), by name. */
const PSEUDO_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x1cd1, "devpts"],
  [0x62656570, "configfs"],
  [0xcafe4a11, "bpf"],
  [0x6165676c, "pstore"],
  [0xde5e81e4, "efivarfs"],
  [0x65735543, "fusectl"],
  [0x42494e4d, "binfmt_misc"],
  [0xf97cff8c, "selinuxfs"],
  [0x6e736673, "nsfs"],
]);

/**
 * The name of the pseudo file system `dir` would be created on (that of its nearest existing
 * ancestor), or null for a real one, or when it cannot be told (no `statfs`, no access).
 */
export function pseudoFileSystemOf(dir: string): string | null {
  for (let at = path.resolve(dir); ; ) {
    let type: number;
    try {
      type = Number(fs.statfsSync(at).type);
    } catch (err) {
      const parent = path.dirname(at);
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || parent === at) return null;
      at = parent;
      continue;
    }
    return PSEUDO_FILE_SYSTEMS.get(type) ?? null;
  }
}
