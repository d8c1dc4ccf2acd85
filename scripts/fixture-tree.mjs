// Writes a realistic log tree with the trajlog SDK itself: experiments whose model gets better
// at a handful of task instances over training steps. The viewer's tests and README screenshots
// are made from it, so what they show is exactly what the SDK writes.
//
// The SDK stamps lines with the wall clock; a simulated clock (Date replaced while the tree is
// written) gives sessions realistic, reproducible start times and durations.
import { TrajectoryLogger } from "trajlog";

/** Task instances: an issue, the file that holds the bug, the line before and after the fix. */
export const FIXTURE_INSTANCES = [
  {
    id: "django__django-11099",
    answer: "anchor the username regexes with \\A and \\Z",
    source: `import re

from django.core import validators
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class ASCIIUsernameValidator(validators.RegexValidator):
    regex = r'^[\\w.@+-]+$'
    message = _(
        'Enter a valid username. This value may contain only English letters, '
        'numbers, and @/./+/-/_ characters.'
    )
    flags = re.ASCII`,
    issue: "UsernameValidator allows trailing newline in usernames",
    file: "django/contrib/auth/validators.py",
    bad: "regex = r'^[\\w.@+-]+$'",
    good: "regex = r'\\A[\\w.@+-]+\\Z'",
    test: "tests/auth_tests/test_validators.py",
  },
  {
    id: "astropy__astropy-12907",
    answer: "use the right operand's matrix in _cstack",
    source: `def _cstack(left, right):
    """Function corresponding to '&' operation."""
    noutp = _compute_n_outputs(left, right)

    if isinstance(left, Model):
        cleft = _coord_matrix(left, 'left', noutp)
    else:
        cleft = np.zeros((noutp, left.shape[1]))
        cleft[: left.shape[0], : left.shape[1]] = left
    if isinstance(right, Model):
        cright = _coord_matrix(right, 'right', noutp)
    else:
        cright = np.zeros((noutp, right.shape[1]))
        cright[-right.shape[0]:, -right.shape[1]:] = 1

    return np.hstack([cleft, cright])`,
    issue: "separability_matrix does not compute separability correctly for nested CompoundModels",
    file: "astropy/modeling/separable.py",
    bad: "cright[-right.shape[0]:, -right.shape[1]:] = 1",
    good: "cright[-right.shape[0]:, -right.shape[1]:] = right",
    test: "astropy/modeling/tests/test_separable.py",
  },
  {
    id: "sympy__sympy-20590",
    answer: "add __slots__ = () to Printable",
    source: `class Printable:
    """
    The default implementation of printing for SymPy classes.

    This implements a hack that allows us to print elements of built-in
    Python containers in a readable way.
    """

    # Note, we always use the default ordering (lex) in __str__ and __repr__,
    # regardless of the global setting. See issue 5487.
    def __str__(self):
        from sympy.printing.str import sstr
        return sstr(self, order=None)`,
    issue: "Symbol instances have __dict__ since 1.7",
    file: "sympy/core/_print_helpers.py",
    bad: "class Printable:",
    good: "class Printable:\n    __slots__ = ()",
    test: "sympy/core/tests/test_basic.py",
  },
  {
    id: "psf__requests-2317",
    answer: "decode byte-string methods with to_native_string",
    source: `    def request(self, method, url,
        params=None, data=None, headers=None, cookies=None, files=None,
        auth=None, timeout=None, allow_redirects=True, proxies=None,
        hooks=None, stream=None, verify=None, cert=None, json=None):

        method = builtin_str(method)

        # Create the Request.
        req = Request(
            method = method.upper(),
            url = url,
            headers = headers,`,
    issue: "method = builtin_str(method) turns b'GET' into \"b'GET'\"",
    file: "requests/sessions.py",
    bad: "method = builtin_str(method)",
    good: "method = to_native_string(method)",
    test: "test_requests.py",
  },
  {
    id: "pytest-dev__pytest-5692",
    answer: "write hostname and timestamp on the testsuite element",
    source: `    def pytest_sessionfinish(self):
        dirname = os.path.dirname(os.path.abspath(self.logfile))
        if not os.path.isdir(dirname):
            os.makedirs(dirname)
        logfile = open(self.logfile, "w", encoding="utf-8")
        suite_stop_time = time.time()
        suite_time_delta = suite_stop_time - self.suite_start_time

        numtests = (self.stats["passed"] + self.stats["failure"]
                    + self.stats["skipped"] + self.stats["error"] - self.cnt_double_fail_tests)
        logfile.write('<?xml version="1.0" encoding="utf-8"?>')

        suite_node = Junit.testsuite(`,
    issue: "Hostname and timestamp properties missing from generated JUnit XML reports",
    file: "src/_pytest/junitxml.py",
    bad: "suite_node = Junit.testsuite(",
    good: "suite_node = Junit.testsuite(\n            hostname=platform.node(),\n            timestamp=datetime.fromtimestamp(self.suite_start_time).isoformat(),",
    test: "testing/test_junitxml.py",
  },
  {
    id: "sphinx-doc__sphinx-8721",
    answer: "skip viewcode pages for epub unless viewcode_enable_epub",
    source: `def collect_pages(app: Sphinx) -> Generator[Tuple[str, Dict[str, Any], str], None, None]:
    env = app.builder.env
    if not hasattr(env, '_viewcode_modules'):
        return
    highlighter = app.builder.highlighter  # type: ignore
    urito = app.builder.get_relative_uri

    modnames = set(env._viewcode_modules)  # type: ignore

    for modname, entry in status_iterator(
            sorted(env._viewcode_modules.items()),  # type: ignore
            __('highlighting module code... '), "blue",
            len(env._viewcode_modules),  # type: ignore
            app.verbosity, lambda x: x[0]):`,
    issue: "viewcode creates pages for epub even if viewcode_enable_epub=False",
    file: "sphinx/ext/viewcode.py",
    bad: "def collect_pages(app: Sphinx) -> Generator[Tuple[str, Dict[str, Any], str], None, None]:\n    env = app.builder.env",
    good: "def collect_pages(app: Sphinx) -> Generator[Tuple[str, Dict[str, Any], str], None, None]:\n    env = app.builder.env\n    if app.builder.name.startswith(\"epub\") and not env.config.viewcode_enable_epub:\n        return",
    test: "tests/test_ext_viewcode.py",
  },
];

/** The response of the XSS fixture session: must show as text, never run. */
export const XSS_RESPONSE =
  'Here is my answer: <script>window.__xss = "script";</script><img src=x onerror="window.__xss = \'img\'">';

const SYSTEM_PROMPT =
  "You are a software engineer working in a Python REPL inside the repository. Run code in ```repl``` blocks. " +
  "You can call llm_query(prompt) to ask a helper model. When the fix is done, answer FINAL(<one-line summary>).";

/**
 * Writes a log tree under `logDir` and resolves once every file is on disk.
 * @param {string} logDir
 * @param {import("./fixture-tree.d.mts").FixtureOptions} [options]
 * @returns {Promise<import("./fixture-tree.d.mts").FixtureTree>}
 */
export async function generateLogTree(logDir, options = {}) {
  const steps = options.steps ?? 12;
  const instanceCount = options.instances ?? FIXTURE_INSTANCES.length;
  const experiment = options.experiment ?? "grpo-swe-32b";
  const random = mulberry32(options.seed ?? 42);
  const clock = installClock(new Date(options.start ?? "2026-03-02T09:00:00Z").getTime());
  const sessions = [];
  try {
    const logger = new TrajectoryLogger({ logDir, experimentName: experiment, sampleRate: 1 });
    const instances = FIXTURE_INSTANCES.slice(0, instanceCount);
    for (let step = 0; step < steps; step++) {
      const progress = steps > 1 ? step / (steps - 1) : 1;
      for (const [index, instance] of instances.entries()) {
        // Some instances get a second sampled rollout at some steps, as in real group sampling.
        const rollouts = (step + index) % 5 === 0 ? 2 : 1;
        for (let r = 0; r < rollouts; r++) {
          sessions.push(await writeRollout(logger, clock, random, { step, progress, instance, rollout: r }));
        }
      }
      clock.advance(600);
    }
    if (options.errored !== false) sessions.push(await writeErrored(logger, clock, steps));
    if (options.xss !== false) sessions.push(await writeXss(logger, clock, steps));
    if (options.unfinished !== false) sessions.push(writeUnfinished(logger, clock, steps));
    await logger.close();
    if (options.baseline !== false) {
      const baseline = new TrajectoryLogger({ logDir, experimentName: `${experiment}-baseline`, sampleRate: 1 });
      for (let step = 0; step < Math.min(steps, 4); step++) {
        for (const instance of instances.slice(0, 3)) {
          sessions.push(await writeRollout(baseline, clock, random, { step, progress: 0.15, instance, rollout: 0 }));
        }
        clock.advance(600);
      }
      await baseline.close();
    }
  } finally {
    clock.uninstall();
  }
  return { logDir, experiment, sessions };
}

/** One rollout whose strategy depends on how far training has got. */
async function writeRollout(logger, clock, random, { step, progress, instance, rollout }) {
  const session = logger.startSession({
    instanceId: instance.id,
    trainingStep: step,
    modelName: "qwen2.5-coder-32b",
    rolloutId: rollout,
    configMetadata: { max_steps: 8, max_sub_agent_depth: 1, task: instance.issue, temperature: 0.8 },
  });
  const plan = planFor(instance, progress, random);
  const messages = [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: `Issue: ${instance.issue}\n\nFix it in the repository.` },
  ];
  for (const [i, turn] of plan.turns.entries()) {
    const iterationTime = turn.seconds;
    clock.advance(iterationTime);
    const last = i === plan.turns.length - 1;
    session.logIteration({
      prompt: messages,
      response: turn.response,
      codeBlocks: turn.code === undefined ? [] : [{ code: turn.code, result: turn.result }],
      finalAnswer: last ? plan.answer : null,
      iterationTime,
      usage: { promptTokens: 180 + 260 * messages.length, completionTokens: 60 + Math.round(random() * 140) },
    });
    messages.push({ role: "assistant", content: turn.response });
    if (turn.result !== undefined) {
      messages.push({ role: "user", content: `stdout:\n${turn.result.stdout}${turn.result.stderr ? `\nstderr:\n${turn.result.stderr}` : ""}` });
    }
  }
  clock.advance(2);
  await session.finalize({ reward: plan.reward });
  clock.advance(5 + random() * 20);
  return { path: session.path, experiment: logger.experimentName, step, instanceId: instance.id };
}

/** What the model does: early on it reads whole files and guesses, later it searches, asks, patches and tests. */
function planFor(instance, progress, random) {
  const turns = [];
  const skill = progress + (random() - 0.5) * 0.35;
  const seconds = () => Math.round((3 + random() * 9) * 100) / 100;
  if (skill < 0.4) {
    turns.push({
      response: `I'll start by reading the whole file to understand it.\n\`\`\`repl\nprint(open("${instance.file}").read())\n\`\`\``,
      code: `print(open("${instance.file}").read())`,
      result: result(`# ${instance.file}\n${fakeSource(instance)}`, "", 0.02),
      seconds: seconds(),
    });
    turns.push({
      response: `Let me check whether the current code reproduces the issue.\n\`\`\`repl\nimport re\nprint(re.match(pattern, "value\\n"))\n\`\`\``,
      code: 'import re\nprint(re.match(pattern, "value\\n"))',
      result: result("", 'Traceback (most recent call last):\n  File "<repl>", line 2, in <module>\nNameError: name \'pattern\' is not defined', 0.01),
      seconds: seconds(),
    });
    turns.push({
      response: `The variable was not defined. I think the problem is somewhere else; let me list the package.\n\`\`\`repl\nimport os\nprint(os.listdir("${instance.file.split("/").slice(0, -1).join("/")}"))\n\`\`\``,
      code: `import os\nprint(os.listdir("${instance.file.split("/").slice(0, -1).join("/")}"))`,
      result: result(`['__init__.py', '${instance.file.split("/").pop()}', 'tests', 'utils.py']`, "", 0.01),
      seconds: seconds(),
    });
    if (random() < 0.6) {
      turns.push({
        response: `I'll try editing utils.py instead.\n\`\`\`repl\nopen("utils.py", "a").write("\\n# fix\\n")\n\`\`\``,
        code: 'open("utils.py", "a").write("\\n# fix\\n")',
        result: result("7", "", 0.01),
        seconds: seconds(),
      });
    }
    turns.push({ response: "I believe the issue is addressed. FINAL(edited utils.py)", seconds: seconds() });
    return { turns, answer: "edited utils.py", reward: round2(Math.max(0, 0.05 + random() * 0.3)) };
  }
  turns.push({
    response: `First I'll find where this is implemented.\n\`\`\`repl\nimport subprocess\nprint(subprocess.run(["grep", "-rn", "${instance.bad.split("\n")[0].slice(0, 24)}", "."], capture_output=True, text=True).stdout)\n\`\`\``,
    code: `import subprocess\nprint(subprocess.run(["grep", "-rn", "${instance.bad.split("\n")[0].slice(0, 24)}", "."], capture_output=True, text=True).stdout)`,
    result: result(`./${instance.file}:42:    ${instance.bad.split("\n")[0]}`, "", 0.31),
    seconds: seconds(),
  });
  turns.push({
    response: `Let me ask a helper model to explain the surrounding code before changing it.\n\`\`\`repl\nsrc = open("${instance.file}").read()\nnotes = llm_query("Explain how this code relates to: ${instance.issue}\\n" + src[:4000])\nprint(notes)\n\`\`\``,
    code: `src = open("${instance.file}").read()\nnotes = llm_query("Explain how this code relates to: ${instance.issue}\\n" + src[:4000])\nprint(notes)`,
    result: {
      ...result(`The line \`${instance.bad.split("\n")[0]}\` is the cause: ${instance.issue.toLowerCase()}. Changing it as the issue suggests fixes the behaviour without affecting other callers.`, "", 2.4),
      locals: { src: `<${1800 + Math.round(random() * 3000)} chars>`, notes: "The line ... is the cause" },
      rlmCalls: [
        {
          rootModel: "qwen2.5-7b-instruct",
          prompt: `Explain how this code relates to: ${instance.issue}\n${fakeSource(instance)}`,
          response: `The line \`${instance.bad.split("\n")[0]}\` is the cause.`,
          promptTokens: 900 + Math.round(random() * 700),
          completionTokens: 60 + Math.round(random() * 80),
          executionTime: round2(1.6 + random() * 1.5),
        },
      ],
    },
    seconds: seconds(),
  });
  const firstTryFails = skill < 0.75;
  turns.push({
    response: `Now I'll apply the fix and run the tests.\n\`\`\`repl\npatch("${instance.file}", ${JSON.stringify(instance.bad)}, ${JSON.stringify(instance.good)})\nprint(run_tests("${instance.test}"))\n\`\`\``,
    code: `patch("${instance.file}", ${JSON.stringify(instance.bad)}, ${JSON.stringify(instance.good)})\nprint(run_tests("${instance.test}"))`,
    result: firstTryFails
      ? result(`collected 24 items\n\n${instance.test} ......F.................\n\n1 failed, 23 passed in 3.12s`, `FAILED ${instance.test}::test_regression - AssertionError: assert False`, 3.4)
      : result(`collected 24 items\n\n${instance.test} ........................\n\n24 passed in 2.87s`, "", 3.1),
    seconds: seconds(),
  });
  if (firstTryFails) {
    turns.push({
      response: `One test still fails. Let me look at it and adjust.\n\`\`\`repl\nprint(run_tests("${instance.test}", "-x", "-k", "regression"))\n\`\`\``,
      code: `print(run_tests("${instance.test}", "-x", "-k", "regression"))`,
      result: result(`collected 1 item\n\n${instance.test} .\n\n1 passed in 0.41s`, "", 0.6),
      seconds: seconds(),
    });
  }
  turns.push({ response: `All tests pass. FINAL(${instance.answer})`, seconds: seconds() });
  const reward = firstTryFails ? 0.45 + random() * 0.35 : 0.75 + random() * 0.25;
  return { turns, answer: `${instance.file}: ${instance.answer}`, reward: round2(Math.min(1, reward)) };
}

async function writeErrored(logger, clock, step) {
  const instance = FIXTURE_INSTANCES[0];
  const session = logger.startSession({ instanceId: instance.id, trainingStep: step - 1, modelName: "qwen2.5-coder-32b", rolloutId: "errored" });
  clock.advance(4.2);
  session.logIteration({
    prompt: [{ role: "system", content: SYSTEM_PROMPT }, { role: "user", content: `Issue: ${instance.issue}` }],
    response: "```repl\nwhile True: pass\n```",
    code: "while True: pass",
    result: { stdout: "", stderr: "TimeoutError: code block exceeded 30 s", executionTime: 30 },
    iterationTime: 30.2,
  });
  clock.advance(30);
  const error = new Error("sandbox killed: timeout after 30 s");
  error.name = "SandboxTimeout";
  await session.finalize({ reward: 0, error });
  return { path: session.path, experiment: logger.experimentName, step: step - 1, instanceId: instance.id };
}

async function writeXss(logger, clock, steps) {
  const session = logger.startSession({ instanceId: "xss-<b>probe</b>", trainingStep: steps - 1, modelName: "qwen2.5-coder-32b" });
  clock.advance(2);
  session.logIteration({
    prompt: [{ role: "user", content: "<script>window.__xss = 'prompt'</script>" }],
    response: XSS_RESPONSE,
    code: "print('<img src=x onerror=alert(1)>')",
    result: { stdout: "<img src=x onerror=alert(1)>", stderr: "<script>window.__xss='stderr'</script>" },
    finalAnswer: "<b>bold?</b>",
    iterationTime: 2,
  });
  await session.finalize({ reward: 0.5 });
  return { path: session.path, experiment: logger.experimentName, step: steps - 1, instanceId: "xss-<b>probe</b>" };
}

/** A rollout still running when the logger closed: no summary line. */
function writeUnfinished(logger, clock, steps) {
  const instance = FIXTURE_INSTANCES[1];
  const session = logger.startSession({ instanceId: instance.id, trainingStep: steps - 1, modelName: "qwen2.5-coder-32b", rolloutId: "unfinished" });
  clock.advance(3.5);
  session.logIteration({
    prompt: [{ role: "system", content: SYSTEM_PROMPT }, { role: "user", content: `Issue: ${instance.issue}` }],
    response: `Searching for the implementation.\n\`\`\`repl\nprint(open("${instance.file}").read()[:200])\n\`\`\``,
    code: `print(open("${instance.file}").read()[:200])`,
    result: result(fakeSource(instance).slice(0, 200), "", 0.02),
    iterationTime: 3.5,
  });
  return { path: session.path, experiment: logger.experimentName, step: steps - 1, instanceId: instance.id };
}

function result(stdout, stderr, executionTime) {
  return { stdout, stderr, executionTime, locals: {} };
}

function fakeSource(instance) {
  return instance.source;
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

/** A small seeded random number generator: the same seed, the same tree. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replaces the global Date so that `new Date()` and `Date.now()` read a clock the generator advances. */
function installClock(startMs) {
  const RealDate = globalThis.Date;
  let now = startMs;
  class SimulatedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now);
      else super(...args);
    }
    static now() {
      return now;
    }
  }
  globalThis.Date = SimulatedDate;
  return {
    advance(seconds) {
      now += Math.round(seconds * 1000);
    },
    uninstall() {
      globalThis.Date = RealDate;
    },
  };
}
