// stdin: the request body. stdout: the response body. stderr (console.error): this call's log.
let body = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (body += chunk));
process.stdin.on("end", () => {
  console.error(`hello-node: call ${process.env.FN_CALL_ID}, deadline ${process.env.FN_DEADLINE}`);
  process.stdout.write(`Hello ${body.trim() || "World"} from node!\n`);
});
