// Hot json echo: one request per line on stdin, the body sent back as the response.
const readline = require("readline");

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line) return; // the blank line after each request
  const request = JSON.parse(line);
  process.stdout.write(JSON.stringify({ body: request.body, content_type: request.content_type || "text/plain" }) + "\n\n");
});
