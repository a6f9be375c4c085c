// A GraphQL subscription over Server-Sent Events (the distinct-connections mode), as a test opens it: its
// `data:` payloads collected as they arrive, and a way to close it.

/** Sends a request to a path (a harness's fetch, or a function on a base URL). */
export type PathFetch = (path: string, init: RequestInit) => Promise<Response>;

export interface Subscription {
  /** The parsed `data:` payloads received so far. */
  received: any[];
  /** The response's content type, once the stream has opened. */
  contentType: string | null;
  close(): void;
}

/** Opens `query` as an event stream on /graphql and resolves once the stream has opened. */
export async function subscribeSse(fetchPath: PathFetch, query: string, headers: Record<string, string> = {}): Promise<Subscription> {
  const controller = new AbortController();
  const res = await fetchPath('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const subscription: Subscription = { received: [], contentType: res.headers.get('content-type'), close: () => controller.abort() };
  void collect(res, subscription.received);
  return subscription;
}

async function collect(res: Response, received: any[]): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let at = buffer.indexOf('\n\n'); at !== -1; at = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, at)
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('');
        buffer = buffer.slice(at + 2);
        if (data) received.push(JSON.parse(data));
      }
    }
  } catch {
    // closed
  }
}
