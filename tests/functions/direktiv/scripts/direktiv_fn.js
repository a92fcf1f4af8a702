// A Direktiv custom function written the way Direktiv's own examples are: an HTTP
// server on port 8080 (PORT when the agent asks for another), the action id from the
// Direktiv-ActionID header, logs POSTed to http://localhost:8889/log?aid=..., errors
// reported through the Direktiv-ErrorCode / Direktiv-ErrorMessage headers.
// Standard library only.
const http = require('http');
const fs = require('fs');

const port = process.env.PORT || 8080;
const name = process.env.GREETER_NAME || 'greeter';
// Calls in flight by action id: a DELETE for one of them is written to its "record" file.
const inFlight = new Map();

function log(aid, text, viaGet) {
  return new Promise((resolve) => {
    const url = viaGet
      ? `http://localhost:8889/log?aid=${encodeURIComponent(aid)}&log=${encodeURIComponent(text)}`
      : `http://localhost:8889/log?aid=${encodeURIComponent(aid)}`;
    const req = http.request(url, { method: viaGet ? 'GET' : 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', (e) => resolve('error: ' + e.message));
    req.end(viaGet ? undefined : text);
  });
}

function reply(res, status, body, headers) {
  res.writeHead(status, Object.assign({ 'Content-Type': 'application/json' }, headers || {}));
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const aid = req.headers['direktiv-actionid'];
  if (req.method === 'DELETE') {
    const record = inFlight.get(aid);
    if (record) {
      fs.writeFileSync(record, `DELETE ${aid}`);
    }
    res.end();
    return;
  }

  let data = '';
  req.on('data', (chunk) => (data += chunk));
  req.on('end', async () => {
    let input;
    try {
      input = JSON.parse(data || '{}');
    } catch (e) {
      reply(res, 400, { error: 'bad json' }, { 'Direktiv-ErrorCode': 'myapp.input', 'Direktiv-ErrorMessage': 'input is not JSON' });
      return;
    }

    const tempDir = req.headers['direktiv-tempdir'];
    switch (input.action) {
      case 'error':
        reply(res, 500, { ignored: true }, {
          'Direktiv-ErrorCode': 'myapp.input',
          'Direktiv-ErrorMessage': "Missing 'customerId' property in JSON input.",
        });
        return;
      case 'crash':
        reply(res, 500, {}, { 'Direktiv-ErrorMessage': 'something broke' });
        return;
      case 'log': {
        const posted = await log(aid, input.post || 'posted line');
        const got = await log(aid, input.get || 'got line', true);
        reply(res, 200, { posted, got });
        return;
      }
      case 'probe-log': {
        const unknown = await log('no-such-call', 'x');
        const oversize = await log(aid, 'x'.repeat(input.bytes || 2 * 1024 * 1024));
        reply(res, 200, { unknown, oversize });
        return;
      }
      case 'sleep': {
        if (input.record) {
          inFlight.set(aid, input.record);
          fs.writeFileSync(input.record, `STARTED ${aid}`);
        }
        setTimeout(() => {
          inFlight.delete(aid);
          reply(res, 200, { slept: input.ms });
        }, input.ms || 0);
        return;
      }
      default: {
        const tempDirExists = !!tempDir && fs.existsSync(tempDir);
        reply(res, 200, {
          greeting: `Hello ${input.name || 'world'} from ${name}`,
          actionId: aid,
          tempDir,
          tempDirExists,
          port: server.address().port,
          pid: process.pid,
        });
      }
    }
  });
});

server.listen(port, () => console.log(`${name} listening on ${port}`));
