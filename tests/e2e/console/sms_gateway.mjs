// A real HTTP receiver standing in for an SMS gateway: the SMS notifier posts its messages
// here (form fields To, From, Body with basic auth), and the test reads what arrived.

import http from 'node:http';

export async function startSmsGateway() {
  const messages = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      const type = request.headers['content-type'] || '';
      const fields = type.includes('json') ? JSON.parse(body || '{}') : Object.fromEntries(new URLSearchParams(body));
      messages.push({ path: request.url, authorization: request.headers.authorization || '', fields });
      response.writeHead(201, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ sid: `SM${messages.length}` }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/messages`,
    messages,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
