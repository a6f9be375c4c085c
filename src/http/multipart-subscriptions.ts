// Subscriptions as multipart/mixed for Apollo Client: its HttpLink asks for them with
// `Accept: multipart/mixed;subscriptionSpec=1.0`, which yoga does not serve for subscriptions (it
// answers 406). Each result is one JSON part under `payload`, and an empty part every few seconds
// keeps the connection open; the results are those yoga streams over SSE (checked, limited, masked).
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { published } from './stream.js';

const HEARTBEAT_MS = 5000;
const ACCEPT = /multipart\/mixed[^,]*subscriptionSpec="?1\.0/i;

function multipartResponse(results: AsyncIterable<ExecutionResult>, fetchAPI: { Response: typeof Response; ReadableStream: typeof ReadableStream }): Response {
  const encoder = new TextEncoder();
  const part = (json: string) => encoder.encode(`\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${json}\r\n--graphql`);
  const iterator = results[Symbol.asyncIterator]();
  let heartbeat: NodeJS.Timeout | undefined;
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('\r\n--graphql'));
      heartbeat = setInterval(() => {
        try {
          controller.enqueue(part('{}'));
        } catch {
          clearInterval(heartbeat); // the stream has ended
        }
      }, HEARTBEAT_MS);
    },
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) {
        clearInterval(heartbeat);
        controller.enqueue(encoder.encode('--\r\n'));
        controller.close();
        return;
      }
      controller.enqueue(part(JSON.stringify({ payload: published(value) })));
    },
    async cancel() {
      clearInterval(heartbeat);
      await iterator.return?.();
    },
  });
  return new fetchAPI.Response(body as never, {
    status: 200,
    headers: { 'content-type': 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0', 'cache-control': 'no-cache' },
  });
}

export function multipartSubscriptions(): Plugin {
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      if (!isAsyncIterable(result) || !ACCEPT.test(request.headers.get('accept') ?? '')) return;
      setResultProcessor((results, fetchAPI) => multipartResponse(results as AsyncIterable<ExecutionResult>, fetchAPI as never), 'multipart/mixed');
    },
  };
}
