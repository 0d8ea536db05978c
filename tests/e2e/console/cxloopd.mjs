// Starts a real cxloopd for a test: a temporary data folder, port 0 (the port is read from
// the "listening on" log line), the console served from the source tree, and the bundled web
// channel, similarity analytics plugin and (given a gateway) SMS notifier from the build tree. Also creates tokens with the real cxloopctl.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const buildDir = process.env.CXLOOP_BUILD_DIR;
export const sourceDir = process.env.CXLOOP_SOURCE_DIR;

// smsGatewayUrl: where the sms_notifier instance posts (a receiver the test runs).
export async function startServer({ smsGatewayUrl } = {}) {
  if (!buildDir || !sourceDir) throw new Error('CXLOOP_BUILD_DIR and CXLOOP_SOURCE_DIR must be set (ctest sets them)');
  const dir = mkdtempSync(path.join(tmpdir(), 'cxloop-console-e2e-'));
  const config = path.join(dir, 'cxloop.json');
  writeFileSync(config, JSON.stringify({
    data_dir: path.join(dir, 'data'),
    http: { listen: '127.0.0.1', port: 0, threads: 8 },
    // Campaign progress and other time-driven work every half second, not every 30 s.
    workers: { timer_interval_ms: 500, outbox_poll_ms: 50 },
    console: { directory: path.join(sourceDir, 'console') },
    plugins: {
      directories: [path.join(buildDir, 'plugins')],
      instances: {
        web: { plugin: 'web', required: true, settings: { rate_limit_per_minute: 1000 } },
        // Problem detection, tuned so that three alike contacts from two customers suffice.
        similarity: { plugin: 'similarity', required: true, settings: { min_cases: 3, min_customers: 2, burst_ratio: 0 } },
        ...(smsGatewayUrl ? {
          sms_notifier: {
            plugin: 'sms_notifier', required: true,
            settings: { gateway_url: smsGatewayUrl, account: 'e2e', secret: 'e2e-secret', from_number: '+15550000001' },
          },
        } : {}),
      },
    },
  }));
  const child = spawn(path.join(buildDir, 'bin', 'cxloopd'), ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cxloopd did not report its port within 30 s:\n${log}`)), 30000);
    const read = (chunk) => {
      log += chunk;
      const match = log.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`cxloopd exited with ${code} before listening:\n${log}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    config,
    log: () => log,
    token(role, name, departmentId) {
      const args = ['--config', config, 'token', 'create', '--role', role, '--name', name];
      if (departmentId) args.push('--department', String(departmentId));
      const out = execFileSync(path.join(buildDir, 'bin', 'cxloopctl'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const secret = out.match(/cxl_[0-9a-f]+/);
      if (!secret) throw new Error(`cxloopctl token create printed no secret: ${out}`);
      return secret[0];
    },
    async api(method, route, token, body) {
      const response = await fetch(base + route, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
