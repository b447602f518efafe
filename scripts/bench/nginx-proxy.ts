/**
 * Debian's nginx as a reverse proxy baseline for the proxy bench: one worker, upstream keep-alive,
 * no buffering, no access log, everything under a temp prefix; started in the foreground and stopped
 * with the bench. Absent nginx is reported with how to install it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLoopbackPort } from '../../agent/src/net/index.js'

export const NGINX_INSTALL_HINT = 'nginx is not installed: `sudo apt-get install -y nginx` (Debian/Ubuntu), then run the bench again'

export function nginxBinary(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (spawnSync(p, ['-v']).status === 0) return p
  return undefined
}


export interface NginxProxy {
  url: string
  stop(): Promise<void>
}

/** Starts nginx proxying every path to `upstream` (host:port). */
export async function startNginx(bin: string, upstream: string): Promise<NginxProxy> {
  const prefix = await mkdtemp(join(tmpdir(), 'llmlb-bench-nginx-'))
  const port = await freeLoopbackPort()
  const conf = `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream engine { server ${upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`
  await writeFile(join(prefix, 'nginx.conf'), conf)
  const proc: ChildProcess = spawn(bin, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] })
  const url = `http://127.0.0.1:${port}`
  const end = Date.now() + 10_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}`)
    const ok = await fetch(`${url}/v1/models`).then((r) => r.ok, () => false)
    if (ok) break
    if (Date.now() > end) throw new Error('nginx did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  return {
    url,
    stop: async () => {
      proc.kill('SIGQUIT')
      await exited
    }
  }
}
