/**
 * The benchmark workload: realistic rollouts built by a seeded generator, so every run and
 * every contender logs exactly the same records.
 *
 * A rollout is what a REPL agent's loop hands to `logIteration`: a prompt of chat messages
 * that grows each turn (the previous reply and the code's output are appended), a reply, one
 * or two code blocks with stdout/stderr and locals, zero to three sub-model calls. All text
 * lengths scale with one factor, calibrated so that the mean serialized iteration line is
 * close to the requested size (2 KB to 12 MB).
 *
 * Two message shapes carry the same text: `plain` messages are `{ role, content }` with string
 * content; `realistic` ones are what chat APIs send and return: OpenAI-style (a `name`, content
 * parts, an assistant turn with `tool_calls`, a `tool` message with the result) for even
 * rollouts, Anthropic-style (content blocks: `text`, `tool_use`, `tool_result`) for odd ones.
 *
 * Alongside the camelCase inputs trajlog receives, each rollout carries the equivalent
 * format lines (built by trajlog's own line builders), which is what the other contenders
 * write: the same objects, the same bytes give or take the timestamps.
 */
import seedrandom from "seedrandom";
import { buildIterationLine, buildMetadataLine, buildSummaryLine } from "../../dist/lines.js";

const WORDS = (
  "the a of to and in is it for that with as on this be are from at by not or have an " +
  "function value error test file return module import class object list string number " +
  "result output check fix issue case call data type name path line index field method " +
  "expected actual failing passing assert raise exception config setup install package " +
  "version update change patch diff commit branch merge review step next first then now " +
  "look see try run print read write open close parse load save cache query model token"
).split(" ");
/** Rare non-ASCII, as model output has: it makes some strings two-byte, like real text. */
const UNICODE = ["—", "’", "→", "é", "✓", "…", "ü", "λ"];
const IDENTS = ["df", "rows", "path", "cfg", "result", "items", "text", "tokens", "model", "x", "idx", "matches"];
const CALLS = ["len", "sorted", "print", "open", "json.loads", "re.findall", "sum", "max", "enumerate"];
const MODELS = ["qwen2.5-7b", "llama-3.1-8b", "gpt-4o-mini"];

/** Options of {@link makeWorkload}. */
const DEFAULTS = { sessions: 32, iterations: 15, seed: "trajlog-bench", shape: "plain" };

/** The message shapes {@link makeWorkload} can build. */
export const SHAPES = ["plain", "realistic"];

/**
 * `sessions` rollouts of `iterations` iterations whose mean iteration line is close to
 * `lineBytes` bytes of JSON, with messages of the given `shape`. Deterministic for a given seed.
 * `minLineBytes` / `maxLineBytes` then move the scale until every iteration line is within
 * them (e.g. all above the line cap, or all below it): at large sizes a rollout holds few
 * strings, so its lines vary widely around the mean.
 */
export function makeWorkload({
  lineBytes,
  sessions = DEFAULTS.sessions,
  iterations = DEFAULTS.iterations,
  seed = DEFAULTS.seed,
  shape = DEFAULTS.shape,
  minLineBytes = 0,
  maxLineBytes = Infinity,
}) {
  if (!SHAPES.includes(shape)) throw new TypeError(`shape must be one of ${SHAPES.join(", ")}; received ${JSON.stringify(shape)}`);
  // Calibrate the scale on the first few rollouts themselves (at large sizes a rollout holds
  // few strings, so another sample would not have the same mean): sizes are nearly linear in it.
  let scale = lineBytes / 1000;
  const probeSessions = Math.min(8, sessions);
  for (let pass = 0; pass < 6; pass++) {
    const probe = buildRollouts({ sessions: probeSessions, iterations, seed, scale, shape });
    scale *= lineBytes / meanIterationBytes(probe);
  }
  let rollouts = buildRollouts({ sessions, iterations, seed, scale, shape });
  let sizes = lineSizes(rollouts);
  for (let pass = 0; pass < 8; pass++) {
    const low = Math.min(...sizes);
    const high = Math.max(...sizes);
    if (low < minLineBytes) scale *= (minLineBytes / low) * 1.03;
    else if (high > maxLineBytes) scale *= (maxLineBytes / high) * 0.97;
    else break;
    rollouts = buildRollouts({ sessions, iterations, seed, scale, shape });
    sizes = lineSizes(rollouts);
  }
  for (const r of rollouts) r.iterationBytes = r.lines.iterations.map((l) => Buffer.byteLength(JSON.stringify(l)) + 1);
  return {
    lineBytes,
    shape,
    meanIterationBytes: meanIterationBytes(rollouts),
    minIterationBytes: Math.min(...sizes),
    maxIterationBytes: Math.max(...sizes),
    scale,
    rollouts,
  };
}

/** Mean UTF-8 size of the iteration lines, newline included. */
export function meanIterationBytes(rollouts) {
  let bytes = 0;
  let n = 0;
  for (const r of rollouts) {
    for (const line of r.lines.iterations) {
      bytes += Buffer.byteLength(JSON.stringify(line)) + 1;
      n++;
    }
  }
  return bytes / n;
}

function lineSizes(rollouts) {
  return rollouts.flatMap((r) => r.lines.iterations.map((l) => Buffer.byteLength(JSON.stringify(l)) + 1));
}

/** Serialized bytes of one rollout: metadata, iterations, summary. */
export function rolloutBytes(rollout) {
  let bytes = Buffer.byteLength(JSON.stringify(rollout.lines.metadata)) + 1;
  for (const line of rollout.lines.iterations) bytes += Buffer.byteLength(JSON.stringify(line)) + 1;
  return bytes + Buffer.byteLength(JSON.stringify(rollout.lines.summary)) + 1;
}

function buildRollouts({ sessions, iterations, seed, scale, shape }) {
  const out = [];
  for (let s = 0; s < sessions; s++) out.push(buildRollout(seedrandom.alea(`${seed}:${s}`), s, iterations, scale, shape));
  return out;
}

function buildRollout(rng, index, iterations, scale, shape) {
  const style = shape === "plain" ? PLAIN : index % 2 === 0 ? OPENAI : ANTHROPIC;
  const g = new Gen(rng, scale);
  const instanceId = `repo${index % 8}__pkg-${1000 + index}`;
  const start = {
    instanceId,
    trainingStep: 0,
    modelName: "qwen2.5-coder-32b",
    rolloutId: index,
    configMetadata: { max_steps: iterations, max_sub_agent_depth: 1, backend: "vllm", task: g.sentence(20) },
  };
  const messages = [
    { role: "system", content: g.prose(160) },
    style.task(`Fix the failing test in ${instanceId}.\n\n${g.prose(120)}`),
  ];
  const inputs = [];
  for (let i = 1; i <= iterations; i++) {
    const last = i === iterations;
    const blocks = [];
    const nBlocks = last ? 0 : 1 + (rng() < 0.35 ? 1 : 0);
    for (let b = 0; b < nBlocks; b++) blocks.push(g.codeBlock());
    const response = `${g.prose(70)}\n\`\`\`repl\n${blocks.map((b) => b.code).join("\n")}\n\`\`\`\n${last ? "FINAL(patched)" : ""}`;
    inputs.push({
      iteration: i,
      prompt: messages.slice(),
      response,
      codeBlocks: blocks,
      finalAnswer: last ? "patched" : null,
      iterationTime: round3(0.5 + rng() * 4),
      usage: { promptTokens: 300 * messages.length, completionTokens: Math.round(response.length / 4) },
    });
    const out = blocks.map((b) => b.result.stdout.slice(0, Math.round(300 * scale))).join("\n");
    messages.push(...style.turn(response, blocks, `Output:\n${out}`, `${index}_${i}`));
  }
  const summary = { reward: rng() < 0.4 ? 1 : 0, totalSteps: iterations };
  const at = new Date("2026-01-01T00:00:00.000Z");
  const lines = {
    metadata: buildMetadataLine({
      timestamp: at,
      modelName: start.modelName,
      instanceId,
      trainingStep: 0,
      experimentName: "bench",
      configMetadata: start.configMetadata,
      sampling: { rate: 1, by: "rollout", forced: false },
    }),
    iterations: inputs.map((input) => buildIterationLine(input, input.iteration, at)),
    summary: buildSummaryLine(summary, iterations, iterations, 0, at),
  };
  return { start, inputs, summary, lines };
}

/**
 * How each shape writes the task and a turn (the model's reply and the code's output) as
 * messages. The three carry the same text, so a line's size hardly depends on the shape.
 */
const PLAIN = {
  task: (text) => ({ role: "user", content: text }),
  turn: (response, _blocks, output) => [
    { role: "assistant", content: response },
    { role: "user", content: output },
  ],
};

const OPENAI = {
  task: (text) => ({ role: "user", name: "task", content: [{ type: "text", text }] }),
  turn: (response, blocks, output, id) => {
    const calls = blocks.map((b, k) => ({
      id: `call_${id}_${k}`,
      type: "function",
      function: { name: "python", arguments: JSON.stringify({ code: b.code }) },
    }));
    return [
      calls.length === 0 ? { role: "assistant", content: response } : { role: "assistant", content: response, tool_calls: calls },
      calls.length === 0
        ? { role: "user", content: [{ type: "text", text: output }] }
        : { role: "tool", tool_call_id: calls[0].id, name: "python", content: output },
    ];
  },
};

const ANTHROPIC = {
  task: (text) => ({ role: "user", content: [{ type: "text", text }] }),
  turn: (response, blocks, output, id) => {
    const uses = blocks.map((b, k) => ({ type: "tool_use", id: `toolu_${id}_${k}`, name: "python", input: { code: b.code } }));
    return [
      { role: "assistant", content: [{ type: "text", text: response }, ...uses] },
      {
        role: "user",
        content:
          uses.length === 0
            ? [{ type: "text", text: output }]
            : [{ type: "tool_result", tool_use_id: uses[0].id, content: [{ type: "text", text: output }] }],
      },
    ];
  },
};

/** Strings longer than this are built by {@link Gen.big}. */
const BIG = 16384;

/** Text of every kind a rollout holds, each length proportional to `scale`. */
class Gen {
  constructor(rng, scale) {
    this.rng = rng;
    this.scale = scale;
  }

  int(n) {
    return Math.floor(this.rng() * n);
  }

  pick(list) {
    return list[this.int(list.length)];
  }

  /** Roughly `chars * scale` characters of length, give or take 30%. */
  len(chars) {
    return Math.max(1, Math.round(chars * this.scale * (0.7 + 0.6 * this.rng())));
  }

  /**
   * `target` characters made of one generated piece of at most {@link BIG} characters, repeated
   * from varying offsets: text of megabytes in milliseconds, as varied as the piece.
   */
  big(target, piece) {
    const text = piece(BIG);
    const parts = [];
    let size = 0;
    while (size < target) {
      const part = text.slice(this.int(text.length / 2));
      parts.push(part);
      size += part.length;
    }
    return parts.join("").slice(0, target);
  }

  sentence(words) {
    const out = [];
    for (let i = 0; i < words; i++) {
      let w = this.pick(WORDS);
      if (this.rng() < 0.004) w += this.pick(UNICODE);
      out.push(w);
    }
    return `${out.join(" ")}.`;
  }

  prose(chars) {
    const target = this.len(chars);
    if (target > BIG) return this.big(target, (n) => this.prose(n / this.scale / 1.3));
    let text = "";
    while (text.length < target) {
      text += this.sentence(6 + this.int(10));
      text += this.rng() < 0.2 ? "\n\n" : " ";
    }
    return text.slice(0, target);
  }

  codeLine() {
    const a = this.pick(IDENTS);
    const b = this.pick(IDENTS);
    switch (this.int(5)) {
      case 0:
        return `${a} = ${this.pick(CALLS)}(${b})`;
      case 1:
        return `print(f"${a}: {${b}!r}")`;
      case 2:
        return `for i, ${a} in enumerate(${b}):\n    if "${this.pick(WORDS)}" in str(${a}):\n        print(i, ${a})`;
      case 3:
        return `${a} = re.findall(r"\\b${this.pick(WORDS)}\\s+(\\w+)", ${b})`;
      default:
        return `# ${this.sentence(5 + this.int(6))}`;
    }
  }

  lines(chars, make) {
    const target = this.len(chars);
    if (target > BIG) return this.big(target, (n) => this.lines(n / this.scale / 1.3, make));
    const out = [];
    let size = 0;
    while (size < target) {
      const line = make();
      out.push(line);
      size += line.length + 1;
    }
    return out.join("\n").slice(0, target);
  }

  outputLine() {
    switch (this.int(3)) {
      case 0:
        return `${this.int(1000)} ${this.pick(IDENTS)}/${this.pick(WORDS)}_${this.int(99)}.py: ${this.sentence(4)}`;
      case 1:
        return `{'${this.pick(IDENTS)}': ${this.int(10000)}, '${this.pick(WORDS)}': "${this.sentence(3)}"}`;
      default:
        return `\t${this.pick(WORDS)}\t${(this.rng() * 100).toFixed(3)}\t${this.pick(WORDS)}`;
    }
  }

  codeBlock() {
    const stderr = this.rng() < 0.25
      ? `Traceback (most recent call last):\n  File "<repl>", line ${1 + this.int(20)}, in <module>\nNameError: name '${this.pick(IDENTS)}' is not defined\n`
      : "";
    const rlmCalls = [];
    const nCalls = this.int(4);
    for (let c = 0; c < nCalls; c++) {
      rlmCalls.push({
        rootModel: this.pick(MODELS),
        prompt: this.prose(50),
        response: this.prose(40),
        promptTokens: 20 + this.int(500),
        completionTokens: 5 + this.int(200),
        executionTime: round3(0.05 + this.rng()),
      });
    }
    return {
      code: this.lines(60, () => this.codeLine()),
      result: {
        stdout: this.lines(90, () => this.outputLine()),
        stderr,
        locals: { [this.pick(IDENTS)]: this.int(1000), found: this.rng() < 0.5, name: this.pick(WORDS) },
        executionTime: round3(this.rng() * 2),
        rlmCalls,
        finalAnswer: null,
      },
    };
  }
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}
