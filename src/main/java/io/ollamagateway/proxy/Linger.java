package io.ollamagateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * A lingering close, as nginx does it: after the gateway has answered a request whose body it did not read
 * (413, 401, 403, 405, 503...), it reads and discards the rest of the body for a bounded time and number of
 * bytes, then closes the connection. Closing at once would make the kernel reset the connection while the
 * client is still writing, and a client that writes its whole body before reading (Python's requests, Java's
 * HttpURLConnection) would see a broken pipe instead of the answer; keeping the connection for the next
 * request would read the body as one.
 *
 * <p>Runs on the request's event loop.
 */
final class Linger {

  /** The longest a refused body is drained. */
  static final long MAX_MILLIS = 10_000;
  /** The most bytes of a refused body that are read (and discarded). */
  static final long MAX_BYTES = 64L * 1024 * 1024;

  private Linger() {
  }

  /** Discards what is left of the request's body, then closes the connection: at its end or at a bound. */
  static void drain(Vertx vertx, HttpServerRequest request) {
    long timer = vertx.setTimer(MAX_MILLIS, id -> request.connection().close());
    long[] read = {0};
    request.handler(chunk -> {
      read[0] += chunk.length();
      if (read[0] > MAX_BYTES) {
        vertx.cancelTimer(timer);
        request.connection().close();
      }
    });
    request.endHandler(v -> {
      vertx.cancelTimer(timer);
      request.connection().close();
    });
    request.exceptionHandler(err -> vertx.cancelTimer(timer));
    request.resume();
  }
}
