// A Direktiv function written as carelessly as Direktiv's own Node.js example: its log
// lines are posted to :8889 without waiting for them (one only after the answer is out,
// so it always arrives late), and the input is parsed unguarded, so invalid JSON throws
// and the process dies mid-call. Standard library only.
const http = require('http');

const port = process.env.PORT || 8080;

function log(aid, text) {
  // Fire and forget, as the example does; a failure must not kill the process here.
  const req = http.request(`http://localhost:8889/log?aid=${aid}`, { method: 'POST' }, (res) => res.resume());
  req.on('error', () => {});
  req.end(text);
}

const server = http.createServer((req, res) => {
  const aid = req.headers['direktiv-actionid'];
  let body = '';
  log(aid, 'reading input');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const input = JSON.parse(body);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ greeting: `Hello ${input.name}`, pid: process.pid }));
    res.on('finish', () => setTimeout(() => log(aid, `answered ${input.name}`), 50));
    if (input.action === 'leave') {
      // Stops taking connections at once, exits a little later: a call sent meanwhile is refused.
      server.close();
      setTimeout(() => process.exit(0), 500);
    }
  });
});

server.listen(port);
