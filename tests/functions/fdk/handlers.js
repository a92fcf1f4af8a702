// http-stream test functions written with @fnproject/fdk exactly as its README shows.
// The behaviour is chosen by the first argument, so each func.yml picks one.
const fdk = require("@fnproject/fdk");

const handlers = {
  // JSON in, JSON out.
  json: (input, ctx) => ({ hello: input && input.name ? input.name : "world", callId: ctx.callID, pid: process.pid }),

  // A custom status and headers through the FDK's HTTP gateway context.
  status: (input, ctx) => {
    ctx.httpGateway.statusCode = 201;
    ctx.httpGateway.setResponseHeader("X-Custom", "custom-value");
    ctx.httpGateway.addResponseHeader("X-Multi", "one");
    ctx.httpGateway.addResponseHeader("X-Multi", "two");
    ctx.responseContentType = "text/plain";
    return "created";
  },

  // Throws on request; the FDK answers 502 and keeps serving.
  throws: (input, ctx) => {
    if (input && input.fail) {
      throw new Error("boom on purpose");
    }
    return { ok: true, pid: process.pid };
  },

  // Console output on both streams; both are the call's log in this format.
  logs: (input, ctx) => {
    console.log(`stdout line for ${ctx.callID}`);
    console.error(`stderr line for ${ctx.callID}`);
    return { logged: ctx.callID, pid: process.pid };
  },

  // Echoes what the FDK saw of the request.
  request: (input, ctx) => ({
    method: ctx.httpGateway.method,
    url: ctx.httpGateway.requestURL,
    header: ctx.httpGateway.getHeader("X-Caller"),
    contentType: ctx.contentType,
    deadline: ctx.deadline,
    pid: process.pid,
  }),
};

const mode = process.argv[2] || "json";
if (!handlers[mode]) {
  console.error(`unknown handler ${mode}`);
  process.exit(1);
}
fdk.handle(handlers[mode]);
