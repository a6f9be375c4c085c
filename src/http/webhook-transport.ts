// The webhook dispatcher's HTTP client. It connects to the address the dispatcher checked against the
// private-address policy (a `lookup` that answers only that address), so DNS is asked once per attempt
// and a rebinding answer cannot move the connection; the URL's host name still goes in the Host header
// and the TLS server name, so certificates are verified against it. Redirects are never followed.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DeliveryRequest } from '../domain/webhooks/webhooks.js';

export function postWebhook({ target, headers, body, timeoutMs }: DeliveryRequest): Promise<number> {
  const pinned: LookupFunction = (_host, options, callback) => {
    // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily): answer the one.
    if ((options as { all?: boolean }).all)
      (callback as never as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target.url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinned,
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end(body);
  });
}
