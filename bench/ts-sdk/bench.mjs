// The TypeScript side of the CodexPS benchmarks: OpenAI's Codex SDK (@openai/codex-sdk, pinned in package.json)
// driving the SAME codex binary as CodexPS (codexPathOverride) against the SAME mock model endpoint.
//
//   node bench.mjs multi --turns 20 --base-url URL --codex PATH --home DIR --workspace DIR   (B2)
//       One thread, N sequential short turns. Prints one JSON line: total ms (from before the thread's first
//       turn to the end of the last), per-turn ms, and the answers' count; exits 1 on a failed or empty turn.
//   node bench.mjs first --base-url URL --codex PATH --home DIR --workspace DIR               (B3, B6)
//       One turn from a fresh process; prints the wall-clock time (Date.now()) at which the answer arrived, for
//       the caller to subtract the time it launched node, and (B6) inProcessMs: from just before the SDK is
//       imported to the answer, timed inside this process, so node's own start-up drops out.
//
// The SDK runs one `codex exec --experimental-json` per turn (resuming the thread after the first), so the mock
// provider lives in CODEX_HOME/config.toml, written here; plugin sync and analytics are turned off there, as
// `codex exec` would otherwise reach the internet (CodexPS starts its runtime with --disable plugins).
// The SDK is imported in main(), after B6's stopwatch starts (a static import would load it before any code runs).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function parseArgs(argv) {
  const [mode, ...rest] = argv;
  const options = { mode, turns: 20 };
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i].replace(/^--/, "");
    const value = rest[i + 1];
    if (value === undefined) throw new Error(`missing value for ${rest[i]}`);
    options[key.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = key === "turns" ? Number(value) : value;
  }
  for (const required of ["baseUrl", "codex", "home", "workspace"]) {
    if (!options[required]) throw new Error(`--${required} is required`);
  }
  if (mode !== "multi" && mode !== "first") throw new Error(`unknown mode '${mode}' (multi|first)`);
  return options;
}

/** A TOML basic string. */
const toml = (s) => JSON.stringify(s);

function writeConfig(home, baseUrl) {
  mkdirSync(home, { recursive: true });
  const config = [
    'model = "gpt-5.5"',
    'model_provider = "codexps_mock"',
    "",
    "[features]",
    "plugins = false",
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[model_providers.codexps_mock]",
    'name = "CodexPS mock"',
    `base_url = ${toml(baseUrl)}`,
    'wire_api = "responses"',
    "request_max_retries = 0",
    "stream_max_retries = 0",
    "",
  ].join("\n");
  writeFileSync(join(home, "config.toml"), config);
}

function answerOf(turn, index) {
  if (!turn.finalResponse) {
    throw new Error(`turn ${index}: no answer (items: ${JSON.stringify(turn.items).slice(0, 400)})`);
  }
  return turn.finalResponse;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  writeConfig(options.home, options.baseUrl);
  const importedAt = performance.now();
  const { Codex } = await import("@openai/codex-sdk");
  const importMs = Math.round((performance.now() - importedAt) * 10) / 10;
  const codex = new Codex({
    codexPathOverride: options.codex,
    env: { ...process.env, CODEX_HOME: options.home, RUST_LOG: "warn", NO_COLOR: "1" },
  });
  const thread = codex.startThread({
    model: "gpt-5.5",
    workingDirectory: options.workspace,
    skipGitRepoCheck: true,
    approvalPolicy: "never",
    webSearchMode: "disabled",
  });

  if (options.mode === "first") {
    const turn = await thread.run("hello");
    const at = Date.now();
    const inProcessMs = Math.round((performance.now() - importedAt) * 10) / 10;
    answerOf(turn, 1);
    console.log(JSON.stringify({ mode: "first", answerAtMs: at, inProcessMs, importMs, threadId: thread.id }));
    return;
  }

  const perTurn = [];
  const start = performance.now();
  for (let i = 1; i <= options.turns; i++) {
    const t0 = performance.now();
    const turn = await thread.run(`turn ${i}`);
    perTurn.push(Math.round((performance.now() - t0) * 10) / 10);
    answerOf(turn, i);
  }
  const ms = Math.round((performance.now() - start) * 10) / 10;
  console.log(JSON.stringify({ mode: "multi", turns: options.turns, ms, perTurnMs: perTurn, threadId: thread.id }));
}

main().catch((error) => {
  console.error(`TS BENCH FAILED: ${error?.stack ?? error}`);
  process.exit(1);
});
