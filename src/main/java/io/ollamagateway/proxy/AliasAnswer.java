package io.ollamagateway.proxy;

import io.ollamagateway.routing.ModelRewriter;
import io.vertx.core.buffer.Buffer;

/**
 * The answer to a request routed by an alias names the alias: a tap that runs after the others (which read
 * the upstream's bytes) and rewrites each {@code "model"} value of JSON, NDJSON and SSE answers as they pass
 * ({@link ModelRewriter}), chunk by chunk. The body's length changes, so the answer is sent chunked.
 *
 * <p>One per answer; confined to the answer's event loop.
 */
final class AliasAnswer implements ResponseTap {

  private final ResponseTap inner;
  private final ModelRewriter rewriter;

  private AliasAnswer(ResponseTap inner, ModelRewriter rewriter) {
    this.inner = inner;
    this.rewriter = rewriter;
  }

  /** {@code tap} followed by the alias's rewrite when the exchange named an alias and the answer is JSON. */
  static ResponseTap wrap(Exchange exchange, ResponseTap tap, String contentType) {
    if (exchange.alias() == null || contentType == null || !(contentType.startsWith("application/json")
        || contentType.startsWith("application/x-ndjson") || contentType.startsWith("text/event-stream"))) {
      return tap;
    }
    return new AliasAnswer(tap, new ModelRewriter(exchange.alias()));
  }

  @Override
  public Buffer onChunk(Buffer chunk) {
    Buffer forward = inner.onChunk(chunk);
    return forward == null ? null : rewriter.apply(forward);
  }

  @Override
  public boolean keepsLength() {
    return false;
  }

  @Override
  public void onEnd(Throwable error) {
    inner.onEnd(error);
  }
}
