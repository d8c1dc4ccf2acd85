/**
 * Seeded text that compresses like real model output rather than like a short list reused:
 * prose, Python code, test-runner output and tracebacks drawn word by word from a large
 * vocabulary with a Zipf-like frequency (a few words very common, most rare), with numbers,
 * identifiers, paths and hashes that rarely repeat. Nothing is drawn from a fixed pool of
 * sentences or paragraphs, so no two generated passages share more than words and short
 * phrases; zstd and Parquet see about what they see on real rollouts.
 *
 *   const text = syntheticText(random);   // random: () => number in [0, 1)
 *   text.prose(800); text.code(); text.stdout(600); text.traceback();
 */

/** Common English and programming words: the head of the frequency distribution. */
const HEAD = (
  "the of and to a in is that for it with as was on be by this are from at or an have not which but " +
  "we can will if so when then all one more there they their what out up use also would should must " +
  "function return value error test file module import class self data result index list string line " +
  "call first next each new check fix case path name type run code issue patch need see now here only " +
  "because does into after before since while instead again still just other same where how why"
).split(" ");
const ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch", "cl", "cr", "dr", "fl", "gr", "pl", "pr", "qu", "sh", "sl", "sp", "st", "str", "th", "tr", ""];
const NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "io", "ou", "y"];
const CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "ng", "st", "ck", "sh", "x", "rd", "ll"];
const EXCEPTIONS = ["ValueError", "KeyError", "TypeError", "AssertionError", "IndexError", "AttributeError", "RuntimeError", "FileNotFoundError", "ZeroDivisionError", "ImportError"];
const VOCABULARY_SIZE = 40_000;

/**
 * A text generator over `random` (a seeded `() => number` in [0, 1)). The vocabulary itself is
 * drawn from `random` too, so the same seed gives the same text.
 */
export function syntheticText(random) {
  const int = (n) => Math.floor(random() * n);
  const choose = (list) => list[int(list.length)];
  const vocabulary = [...HEAD];
  const seen = new Set(vocabulary);
  while (vocabulary.length < VOCABULARY_SIZE) {
    let w = "";
    const syllables = 1 + int(3) + (random() < 0.2 ? 1 : 0);
    for (let s = 0; s < syllables; s++) w += choose(ONSETS) + choose(NUCLEI) + choose(CODAS);
    if (!seen.has(w)) {
      seen.add(w);
      vocabulary.push(w);
    }
  }
  const n = vocabulary.length;
  const logN = Math.log(n + 1);
  /** Rank r with probability about 1 / r (log-uniform): Zipf's law with exponent 1. */
  const word = () => vocabulary[Math.min(n - 1, Math.floor(Math.exp(random() * logN)) - 1)];
  const identifier = () => (random() < 0.5 ? word() : `${word()}_${word()}`);
  const number = () => {
    const r = random();
    if (r < 0.4) return String(int(100));
    if (r < 0.7) return String(int(100_000));
    if (r < 0.85) return (random() * 1000).toFixed(int(4) + 1);
    return `0x${int(0x1000000).toString(16).padStart(6, "0")}`;
  };
  const token = () => {
    const r = random();
    if (r < 0.06) return number();
    if (r < 0.09) return `\`${identifier()}\``;
    if (r < 0.1) return `${word()}/${word()}.py`;
    return word();
  };
  const sentence = () => {
    const words = 4 + int(18);
    let s = token();
    s = s.charAt(0).toUpperCase() + s.slice(1);
    for (let i = 1; i < words; i++) s += (random() < 0.07 ? ", " : " ") + token();
    return `${s}${random() < 0.1 ? "?" : random() < 0.1 ? ":" : "."}`;
  };
  const hash = () => int(0x100000000).toString(16).padStart(8, "0") + int(0x100000000).toString(16).padStart(8, "0");

  return {
    /** Sentences (in paragraphs) until about `chars` characters. */
    prose(chars) {
      let s = "";
      while (s.length < chars) s += sentence() + (random() < 0.15 ? "\n\n" : " ");
      return s;
    },
    /** A few lines of Python: assignments, calls, loops, conditions, prints. */
    code() {
      const lines = [];
      const count = 2 + int(7);
      let indent = "";
      for (let i = 0; i < count; i++) {
        const r = random();
        if (r < 0.15 && indent === "") {
          lines.push(`for ${word()} in ${identifier()}(${identifier()}):`);
          indent = "    ";
        } else if (r < 0.25 && indent === "") {
          lines.push(`if ${identifier()} ${choose(["==", "!=", "<", ">", "is", "in"])} ${choose([number(), `'${word()}'`, "None", identifier()])}:`);
          indent = "    ";
        } else if (r < 0.5) lines.push(`${indent}print(${identifier()}(${identifier()}, ${number()}))`);
        else if (r < 0.6) lines.push(`${indent}# ${sentence()}`);
        else lines.push(`${indent}${identifier()} = ${identifier()}.${identifier()}(${choose([`'${word()}/${word()}.py'`, number(), identifier(), `f'{${identifier()}}'`])})`);
        if (indent !== "" && random() < 0.3) indent = "";
      }
      if (indent !== "") lines.push(`${indent}pass`);
      return `${lines.join("\n")}\n`;
    },
    /** Program output until about `chars` characters: test results, log lines, values, prose. */
    stdout(chars) {
      let s = "";
      while (s.length < chars) {
        const r = random();
        if (r < 0.3) s += `tests/${word()}/test_${identifier()}.py::test_${identifier()} ${choose(["PASSED", "PASSED", "PASSED", "FAILED", "SKIPPED"])} [${String(int(101)).padStart(3)}%]\n`;
        else if (r < 0.5) s += `${word()}/${identifier()}.py:${1 + int(2000)}: ${sentence()}\n`;
        else if (r < 0.65) s += `${identifier()} = ${choose([number(), `'${word()} ${word()}'`, `[${number()}, ${number()}, ${number()}]`, `{'${word()}': ${number()}}`])}\n`;
        else if (r < 0.75) s += `commit ${hash()} ${sentence()}\n`;
        else s += `${sentence()}\n`;
      }
      return s;
    },
    /** A Python traceback of one to four frames. */
    traceback() {
      let s = "Traceback (most recent call last):\n";
      const frames = 1 + int(4);
      for (let i = 0; i < frames; i++) {
        s += `  File "${i === 0 ? "<repl>" : `/work/${word()}/${identifier()}.py`}", line ${1 + int(900)}, in ${i === 0 ? "<module>" : identifier()}\n    ${identifier()}(${identifier()})\n`;
      }
      return `${s}${choose(EXCEPTIONS)}: ${sentence()}\n`;
    },
  };
}
