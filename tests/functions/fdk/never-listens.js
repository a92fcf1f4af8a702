// A broken http-stream function: it starts, logs, and never creates its socket.
console.error("starting, but I will never listen");
setInterval(() => {}, 1000);
