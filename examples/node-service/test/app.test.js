"use strict";

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const path = require("node:path");
const { MAX_NAME_LENGTH, greeting } = require("../src/app");
const { start } = require("../src/server");

describe("greeting", () => {
  const cases = [
    ["a name", "Ada", "Hello, Ada!"],
    ["a padded name", "  Grace ", "Hello, Grace!"],
    ["the world for an empty name", "", "Hello, World!"],
    ["the world for no name", null, "Hello, World!"],
    ["a name of the longest length", "é".repeat(MAX_NAME_LENGTH), `Hello, ${"é".repeat(MAX_NAME_LENGTH)}!`],
  ];
  for (const [title, name, want] of cases) {
    it(`greets ${title}`, () => {
      assert.equal(greeting(name), want);
    });
  }
  it("rejects long names", () => {
    assert.throws(() => greeting("x".repeat(MAX_NAME_LENGTH + 1)), RangeError);
  });
});

describe("routes", () => {
  const routes = [
    ["GET", "/healthz", 200, { status: "ok", version: "1.2.3" }],
    ["GET", "/hello?name=Ada", 200, { message: "Hello, Ada!" }],
    ["GET", "/hello", 200, { message: "Hello, World!" }],
    ["GET", `/hello?name=${"x".repeat(65)}`, 400, { error: "name is longer than 64 characters" }],
    ["POST", "/hello", 405, { error: "method not allowed" }],
    ["GET", "/nope", 404, { error: "not found" }],
  ];
  for (const [method, path, status, body] of routes) {
    it(`${method} ${path.slice(0, 30)}`, async (t) => {
      const server = await start(0, "1.2.3");
      t.after(() => server.close());
      const res = await fetch(`http://127.0.0.1:${server.address().port}${path}`, { method });
      assert.equal(res.status, status);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), body);
    });
  }
});

describe("server", () => {
  it("serves on $PORT and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [path.join(__dirname, "..", "src", "server.js")], {
      env: { ...process.env, PORT: "0", SERVICE_VERSION: "9.9.9" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    const port = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const m = /listening on (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.deepEqual(await res.json(), { status: "ok", version: "9.9.9" });
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });
});
