/**
 * A minimal fetch over node:http(s) with its own agent, used only when an extra CA must be
 * trusted (a TLS-inspecting proxy, a GitHub Enterprise Server with an internal CA): Node's
 * global fetch takes no CA option, and NODE_EXTRA_CA_CERTS is read only at process start. It
 * sends what Octokit and the Graph SDK send: string bodies and plain or Headers headers. Used by
 * the GitHub and Entra connectors.
 */
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

/** A fetch that trusts the public roots plus `ca` (PEM). */
export function fetchTrusting(ca: string): typeof fetch {
  const agent = new Agent({ keepAlive: true, ca: [...rootCertificates, ca] });
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(
        typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      );
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== 'string')
        return reject(new TypeError('fetchTrusting sends string bodies only'));
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const req = send(
        url,
        {
          method: init?.method ?? 'GET',
          headers,
          ...(url.protocol === 'https:' ? { agent } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
            const status = res.statusCode ?? 500;
            // Response refuses a body on 204/304.
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            const response = new Response(payload, {
              status,
              statusText: res.statusMessage ?? '',
              headers: out,
            });
            // A constructed Response has an empty url; Octokit's paginator reads it.
            Object.defineProperty(response, 'url', { value: url.href });
            resolve(response);
          });
        },
      );
      req.on('error', reject);
      init?.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')));
      req.end(body ?? undefined);
    });
}
