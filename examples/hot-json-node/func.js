// A hot json-format function: one JSON request per line on stdin, one JSON response
// (then a blank line) per call on stdout. No packages.
const readline = require("readline");

let calls = 0;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return; // the blank line after each request
  const request = JSON.parse(line);
  calls += 1;
  console.error(`call ${request.call_id}: call number ${calls} of this process`);
  const response = {
    body: `Hello ${request.body.trim() || "World"} from hot node! (call ${calls})\n`,
    content_type: "text/plain",
    protocol: { status_code: 200, headers: { "X-Calls-Served": [String(calls)] } },
  };
  process.stdout.write(JSON.stringify(response) + "\n\n");
});
