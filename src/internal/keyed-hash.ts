/**
 * A fast keyed 53-bit hash of short strings and integers: what a seeded sampling decision
 * needs (the same value in every process and every version of Node, uniform, cheap enough to
 * run for every rollout). Two 32-bit multiply-xor lanes over UTF-16 code units, each part
 * followed by its length so that no two different lists of parts feed the same units, and a
 * final avalanche that makes every input bit affect every output bit (the construction of the
 * well-known `cyrb53`). Not cryptographic: it keeps no secret, it only spreads identities.
 *
 * Hand-written rather than a library: the keys are a few dozen characters, and a call into
 * native or WebAssembly code, with the string encoded on the way, costs more than hashing them.
 */

const M1 = 2654435761;
const M2 = 1597334677;
const TWO_32 = 4294967296;

/** Lanes of a hash in progress. */
interface Lanes {
  h1: number;
  h2: number;
}

/** A hash keyed on a list of strings, worked out once; each call hashes a rollout's identity under it. */
export class KeyedHash {
  /** Values are integers in [0, RANGE). */
  static readonly RANGE = 2 ** 53;
  readonly #h1: number;
  readonly #h2: number;

  constructor(key: readonly string[]) {
    const lanes = { h1: 0xdeadbeef, h2: 0x41c6ce57 };
    for (const part of key) mixString(lanes, part);
    this.#h1 = lanes.h1;
    this.#h2 = lanes.h2;
  }

  /** The hash of one string under the key. */
  ofString(text: string): number {
    const lanes = { h1: this.#h1, h2: this.#h2 };
    mixString(lanes, text);
    return finish(lanes);
  }

  /** The hash of a rollout's identity (training step, instance id, rollout id) under the key. */
  ofIdentity(trainingStep: number, instanceId: string, rolloutId: string): number {
    const lanes = { h1: this.#h1, h2: this.#h2 };
    // A safe integer as its low and high 32 bits, then a mark that a number was here.
    mixUnit(lanes, trainingStep >>> 0);
    mixUnit(lanes, Math.floor(trainingStep / TWO_32) >>> 0);
    mixUnit(lanes, 0x6e756d);
    mixString(lanes, instanceId);
    mixString(lanes, rolloutId);
    return finish(lanes);
  }
}

function mixUnit(lanes: Lanes, unit: number): void {
  lanes.h1 = Math.imul(lanes.h1 ^ unit, M1);
  lanes.h2 = Math.imul(lanes.h2 ^ unit, M2);
}

function mixString(lanes: Lanes, text: string): void {
  let h1 = lanes.h1;
  let h2 = lanes.h2;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ unit, M1);
    h2 = Math.imul(h2 ^ unit, M2);
  }
  // The length ends the part: ("ab", "c") and ("a", "bc") feed different units.
  lanes.h1 = Math.imul(h1 ^ (text.length + 0x10000), M1);
  lanes.h2 = Math.imul(h2 ^ (text.length + 0x10000), M2);
}

function finish({ h1, h2 }: Lanes): number {
  let a = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  a ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  let b = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  return TWO_32 * (b & 0x1fffff) + (a >>> 0);
}
