// A hot json-format echo function in node (docs/protocols.md §3), no packages.
const readline = require("readline");

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  console.error(`json_fn.js ${process.pid} got call ${request.call_id}`);
  const response = {
    body: request.body,
    content_type: "text/plain",
    protocol: { status_code: 200, headers: { "X-Pid": [String(process.pid)] } },
  };
  process.stdout.write(JSON.stringify(response) + "\n\n");
});
