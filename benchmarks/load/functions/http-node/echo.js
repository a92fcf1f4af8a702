// Hot http echo: HTTP/1.1 requests on stdin (Content-Length or chunked bodies), each
// body sent back as the response. No packages.
let pending = Buffer.alloc(0);

process.stdin.on("data", (data) => {
  pending = pending.length ? Buffer.concat([pending, data]) : data;
  let request;
  while ((request = parse(pending))) {
    pending = pending.subarray(request.used);
    const head = `HTTP/1.1 200 OK\r\nContent-Type: ${request.contentType}\r\nContent-Length: ${request.body.length}\r\n\r\n`;
    process.stdout.write(Buffer.concat([Buffer.from(head, "latin1"), request.body]));
  }
});

// One whole request at the start of buf, or null when more bytes are needed.
function parse(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  let length = 0, chunked = false, contentType = "text/plain";
  for (const line of buf.toString("latin1", 0, end).split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase(), value = line.slice(colon + 1).trim();
    if (name === "content-length") length = parseInt(value, 10);
    else if (name === "transfer-encoding" && value.toLowerCase() === "chunked") chunked = true;
    else if (name === "content-type") contentType = value;
  }
  let at = end + 4;
  if (!chunked) {
    return buf.length < at + length ? null : { body: buf.subarray(at, at + length), contentType, used: at + length };
  }
  const parts = [];
  while (true) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = parseInt(buf.toString("latin1", at, eol).split(";")[0], 16);
    if (size === 0) {
      return buf.length < eol + 4 ? null : { body: Buffer.concat(parts), contentType, used: eol + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
