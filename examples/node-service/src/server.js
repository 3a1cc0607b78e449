"use strict";

// Runs the example service on $PORT (default 8080) and stops gracefully on
// SIGTERM and SIGINT.

const http = require("node:http");
const { createHandler } = require("./app");

/**
 * Starts a server on port; resolves with it once it listens.
 * @param {number} port 0 picks a free port.
 * @param {string} version
 * @returns {Promise<http.Server>}
 */
function start(port, version) {
  const server = http.createServer(createHandler(version));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve(server));
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT || 8080);
  start(port, process.env.SERVICE_VERSION || "dev").then((server) => {
    console.log(`listening on ${server.address().port}`);
    const stop = () => server.close(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { start };
