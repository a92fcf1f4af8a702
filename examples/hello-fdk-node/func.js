// A function written for the Fn Project with its Node.js FDK, exactly as Fn's own
// "fn init --runtime node" template has it; fnagent serves it unmodified (http-stream).
const fdk = require("@fnproject/fdk");

fdk.handle(function (input, ctx) {
  let name = "World";
  if (input && input.name) {
    name = input.name;
  }
  console.log(`hello-fdk-node: call ${ctx.callID}`);
  return { message: "Hello " + name };
});
