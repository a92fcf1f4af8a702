// A Direktiv custom function, unmodified: an HTTP server on port 8080 that takes
// JSON, logs to http://localhost:8889/log?aid=<Direktiv-ActionID>, and reports
// errors in the Direktiv-ErrorCode / Direktiv-ErrorMessage headers. Standard
// library only. (PORT is honoured for agents without network namespaces.)
const http = require("http");

const port = process.env.PORT || 8080;

function log(aid, text) {
  return new Promise((resolve) => {
    const req = http.request(`http://localhost:8889/log?aid=${encodeURIComponent(aid)}`, { method: "POST" }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", resolve); // a log that cannot be written never fails the call
    req.end(text);
  });
}

http
  .createServer((req, res) => {
    const aid = req.headers["direktiv-actionid"];
    if (req.method === "DELETE") {
      // Direktiv (and fnagent) cancel a call this way: stop what it started.
      res.end();
      return;
    }

    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", async () => {
      let input = {};
      try {
        input = JSON.parse(body || "{}");
      } catch {
        input = {};
      }

      if (!input.name) {
        res.writeHead(400, {
          "Direktiv-ErrorCode": "greeting.input",
          "Direktiv-ErrorMessage": "Missing 'name' property in JSON input.",
        });
        res.end();
        return;
      }

      await log(aid, `greeting ${input.name}`);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ greeting: `Hello ${input.name} from a Direktiv function!` }));
    });
  })
  .listen(port, () => console.log(`listening on ${port}`));
