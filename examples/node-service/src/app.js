"use strict";

// The routes of the example service: GET /healthz and GET /hello?name=.

const MAX_NAME_LENGTH = 64;

/**
 * Greets name, or the world when name is blank.
 * @param {string} name
 * @returns {string}
 * @throws {RangeError} when name is longer than MAX_NAME_LENGTH characters.
 */
function greeting(name) {
  const trimmed = (name ?? "").trim() || "World";
  if ([...trimmed].length > MAX_NAME_LENGTH) {
    throw new RangeError(`name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return `Hello, ${trimmed}!`;
}

function sendJSON(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(data),
  });
  res.end(data);
}

/**
 * Returns the request handler for node:http.
 * @param {string} version reported by /healthz.
 */
function createHandler(version = "dev") {
  return function handle(req, res) {
    const url = new URL(req.url, "http://localhost");
    if (url.pathname !== "/healthz" && url.pathname !== "/hello") {
      sendJSON(res, 404, { error: "not found" });
      return;
    }
    if (req.method !== "GET") {
      sendJSON(res, 405, { error: "method not allowed" });
      return;
    }
    if (url.pathname === "/healthz") {
      sendJSON(res, 200, { status: "ok", version });
      return;
    }
    try {
      sendJSON(res, 200, { message: greeting(url.searchParams.get("name")) });
    } catch (err) {
      sendJSON(res, 400, { error: err.message });
    }
  };
}

module.exports = { MAX_NAME_LENGTH, greeting, createHandler };
