// http-stream echo with the Fn FDK: the request body comes back as the response body.
const fdk = require("@fnproject/fdk");

fdk.handle((input) => input, { inputMode: "string" });
