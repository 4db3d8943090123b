#!/usr/bin/env node
// Small helpers for run.sh (no dependencies): a free loopback port, waiting for verdaccio, creating a user.
'use strict';
const net = require('net');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${seconds} s (${last})`);
}

/** Creates a user through the CouchDB-style endpoint `npm adduser` uses; prints the token it returns. */
async function addUser(registry, name, password) {
  const res = await fetch(`${registry.replace(/\/$/, '')}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() }),
    signal: AbortSignal.timeout(10000),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.token) throw new Error(`creating user "${name}" failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'free-port') process.stdout.write(`${await freePort()}\n`);
  else if (cmd === 'wait') await waitFor(args[0], Number(args[1] ?? 60));
  else if (cmd === 'adduser') process.stdout.write(`${await addUser(args[0], args[1], args[2])}\n`);
  else throw new Error(`usage: registry.js free-port | wait <url> [seconds] | adduser <registry> <name> <password>`);
}

main().catch((e) => {
  process.stderr.write(`registry.js: ${e.message}\n`);
  process.exit(1);
});
