"use strict";

// Fixture for golden's junit tests: every outcome node:test reports, at the
// top level and in nested describe blocks.

const { describe, it, test } = require("node:test");
const assert = require("node:assert/strict");

test("top-level passes", () => {});

test("top-level fails", () => {
  assert.equal(1 + 1, 3);
});

test("skipped", { skip: "not today" }, () => {});

test("todo", { todo: "write it" }, () => {});

describe("outer", () => {
  it("inner passes", () => {});
  describe("nested", () => {
    it("deep fails", () => {
      throw new Error("boom");
    });
    it("deep passes", () => {});
  });
});
