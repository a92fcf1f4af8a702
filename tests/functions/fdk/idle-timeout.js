// The FDK's request handler on an HTTP server that times out idle connections fast, as
// Node's does after headersTimeout (60 s by default): a connection the agent opened but has
// not used yet is answered "408 Request Timeout" and closed. Node's server writes those
// bytes, not the function's code, so they must not mark the function as one that writes late.
const http = require("http");
const createServer = http.createServer;
http.createServer = (handler) =>
  createServer({ headersTimeout: 300, requestTimeout: 0, connectionsCheckingInterval: 100 }, handler);
process.argv[2] = "request";
require("./handlers.js");
