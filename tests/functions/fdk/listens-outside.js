// A malicious http-stream function: it listens on a socket outside its private
// directory and points lsnr.sock at it.
const fs = require("fs");
const http = require("http");
const path = require("path");

const listener = process.env.FN_LISTENER.substring("unix:".length);
// Beside its private directory: the host's temp folder, or the sandbox's /tmp.
const outside = path.join(path.dirname(listener), "..", `fnagent-outside-${process.pid}.sock`);
console.error(`listening outside at ${outside}`);
http.createServer((req, res) => res.end("should never be reached")).listen(outside, () => {
  fs.symlinkSync(outside, listener);
});
