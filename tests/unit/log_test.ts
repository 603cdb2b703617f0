/** The log handler: the console default, JSON lines, replacement, and a handler that throws. */

import assert from "node:assert/strict";
import { ApiError, KubeError } from "../../core/error.ts";
import {
  consoleLogHandler,
  jsonLogHandler,
  log,
  type LogHandler,
  type LogRecord,
  setLogHandler,
} from "../../core/log.ts";

const NOW = () => new Date("2026-12-07T01:02:03.004Z");

function captured(min?: LogRecord["level"]): { lines: string[]; handler: LogHandler } {
  const lines: string[] = [];
  return {
    lines,
    handler: jsonLogHandler({ write: (l) => lines.push(l), now: NOW, minLevel: min }),
  };
}

Deno.test("log: jsonLogHandler writes one JSON object per record with fields and error", () => {
  const { lines, handler } = captured();
  const err = new ApiError(
    { code: 409, reason: "Conflict", message: "the object was modified" },
    { method: "PUT", path: "/api/v1/namespaces/ns/configmaps/a" },
  );
  handler({
    level: "error",
    source: "controller",
    message: "controller: reconcile of ns/a failed:",
    error: err,
    fields: { key: "ns/a", attempt: 2 },
  });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].includes("\n"));
  const o = JSON.parse(lines[0]);
  assert.deepEqual(o, {
    time: "2026-12-07T01:02:03.004Z",
    level: "error",
    source: "controller",
    msg: "controller: reconcile of ns/a failed:",
    key: "ns/a",
    attempt: 2,
    error: { name: "ApiError", message: err.message, code: 409, reason: "Conflict" },
  });
});

Deno.test("log: jsonLogHandler drops records below minLevel; fields cannot overwrite the core keys", () => {
  const { lines, handler } = captured("warn");
  handler({ level: "info", source: "x", message: "dropped" });
  handler({ level: "debug", source: "x", message: "dropped" });
  handler({ level: "warn", source: "x", message: "kept", fields: { level: "fake", msg: "fake" } });
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]);
  assert.equal(o.level, "warn");
  assert.equal(o.msg, "kept");
});

Deno.test("log: an error's cause chain is listed, bounded even when it is a cycle, without stacks", () => {
  const { lines, handler } = captured();
  const a = new KubeError("outer", { cause: new TypeError("inner") });
  const loop = new Error("loop");
  (loop as { cause?: unknown }).cause = loop;
  handler({ level: "error", source: "x", message: "m", error: a });
  handler({ level: "error", source: "x", message: "m", error: loop });
  handler({ level: "error", source: "x", message: "m", error: "a string" });
  const [o1, o2, o3] = lines.map((l) => JSON.parse(l));
  assert.deepEqual(o1.error, { name: "KubeError", message: "outer", causes: ["TypeError: inner"] });
  assert.equal(o2.error.causes.length, 5);
  assert.deepEqual(o3.error, { message: "a string" });
  for (const l of lines) assert.ok(!l.includes("    at "), l);
});

Deno.test("log: setLogHandler replaces and returns the previous one; undefined restores the console", () => {
  const seen: string[] = [];
  const first = setLogHandler((r) => seen.push(`a:${r.message}`));
  try {
    log({ level: "info", source: "t", message: "1" });
    const mine = setLogHandler((r) => seen.push(`b:${r.message}`));
    log({ level: "info", source: "t", message: "2" });
    setLogHandler(mine);
    log({ level: "info", source: "t", message: "3" });
    assert.equal(setLogHandler(undefined), mine);
    const orig = console.info;
    const out: unknown[][] = [];
    console.info = (...args: unknown[]) => out.push(args);
    try {
      log({ level: "info", source: "t", message: "4" });
    } finally {
      console.info = orig;
    }
    assert.deepEqual(out, [["4"]]);
  } finally {
    setLogHandler(first);
  }
  assert.deepEqual(seen, ["a:1", "b:2", "a:3"]);
});

Deno.test("log: a handler that throws is reported on the console and does not reach the caller", () => {
  const out: string[] = [];
  const orig = console.error;
  console.error = (...args: unknown[]) => out.push(args.map(String).join(" "));
  const previous = setLogHandler(() => {
    throw new Error("collector down");
  });
  try {
    log({ level: "warn", source: "t", message: "the watch failed" });
  } finally {
    setLogHandler(previous);
    console.error = orig;
  }
  assert.equal(out.length, 1);
  assert.match(out[0], /log handler threw.*collector down.*the watch failed/);
});

Deno.test("log: consoleLogHandler writes the message, then the error, by level", () => {
  const calls: [string, unknown[]][] = [];
  const names = ["error", "warn", "info", "debug"] as const;
  const orig = names.map((n) => console[n]);
  for (const n of names) console[n] = (...args: unknown[]) => calls.push([n, args]);
  const e = new Error("boom");
  try {
    consoleLogHandler({ level: "error", source: "s", message: "failed:", error: e });
    consoleLogHandler({ level: "warn", source: "s", message: "careful" });
    consoleLogHandler({ level: "info", source: "s", message: "fyi" });
    consoleLogHandler({ level: "debug", source: "s", message: "detail" });
  } finally {
    names.forEach((n, i) => (console[n] = orig[i]));
  }
  assert.deepEqual(calls, [
    ["error", ["failed:", e]],
    ["warn", ["careful"]],
    ["info", ["fyi"]],
    ["debug", ["detail"]],
  ]);
});
