// What a function can see and do from inside the sandbox, as one JSON object, in the
// format named by the first argument: default (cold), json, http, fdk (http-stream), direktiv.
// AGENT_PID, DATA_SECRET and OTHER_SECRET (config) name what it must not reach.
const fs = require("fs");
const os = require("os");
const path = require("path");

function attempt(action) {
  try {
    action();
    return "allowed";
  } catch (e) {
    return e.code || e.message;
  }
}

function sees() {
  const status = {};
  for (const line of fs.readFileSync("/proc/self/status", "utf8").split("\n")) {
    const [key, value] = line.split(":\t");
    if (/^(Uid|CapEff|CapBnd|CapPrm|NoNewPrivs)$/.test(key)) status[key] = value.trim();
  }
  const probe = (folder) => path.join(folder, `sees-${process.pid}-${Date.now()}`);
  const write = (folder) => attempt(() => { const file = probe(folder); fs.writeFileSync(file, "x"); fs.unlinkSync(file); });
  return {
    uid: status.Uid.split(/\s+/)[0],
    capEff: status.CapEff,
    capPrm: status.CapPrm,
    capBnd: status.CapBnd,
    noNewPrivs: status.NoNewPrivs,
    processes: fs.readdirSync("/proc").filter((name) => /^[0-9]+$/.test(name)).length,
    agentEnviron: attempt(() => fs.readFileSync(`/proc/${process.env.AGENT_PID}/environ`)),
    dataSecret: attempt(() => fs.readFileSync(process.env.DATA_SECRET)),
    otherSecret: attempt(() => fs.readFileSync(process.env.OTHER_SECRET)),
    ownFolder: write("."),
    root: write("/"),
    usr: write("/usr"),
    tmp: write(os.tmpdir()),
    home: process.env.HOME,
    tmpdir: os.tmpdir(),
  };
}

const format = process.argv[2] || "default";
if (format === "default") {
  process.stdout.write(JSON.stringify(sees()));
} else if (format === "json") {
  require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
    if (!line.trim()) return;
    const body = JSON.stringify(sees());
    process.stdout.write(JSON.stringify({ body, content_type: "application/json", protocol: { status_code: 200 } }) + "\n");
  });
} else if (format === "http") {
  let buffered = Buffer.alloc(0);
  process.stdin.on("data", (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString("latin1");
      const length = Number((/\r\ncontent-length: *([0-9]+)/i.exec(head) || [0, 0])[1]);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.subarray(end + 4 + length);
      const body = JSON.stringify(sees());
      process.stdout.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
  });
} else if (format === "fdk") {
  require("@fnproject/fdk").handle(() => sees());
} else if (format === "direktiv") {
  require("http").createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(sees()));
    });
  }).listen(Number(process.env.PORT || 8080), "127.0.0.1");
}
