package io.ollamagateway.server;

import io.netty.channel.Channel;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code CLIENT_HEADER_TIMEOUT}: a new connection must deliver its first request head within the deadline, or
 * its socket is closed (a slowloris client that opens connections and dribbles header bytes holds none for
 * long). Later requests on a kept-alive connection are bounded by {@code CLIENT_IDLE_TIMEOUT}.
 *
 * <p>The deadline is a task on the connection's Netty event loop that closes the channel itself: a Vert.x
 * timer or {@code HttpConnection.close()} would wait for the request being parsed, which is the point.
 * Thread-safe (one per HTTP server; connections of one server may run on several loops).
 */
final class HeadDeadline {

  private final long millis;
  private final Map<HttpConnection, Future<?>> waiting = new ConcurrentHashMap<>();

  HeadDeadline(Duration timeout) {
    this.millis = timeout.toMillis();
  }

  /** The server's connection handler: starts the deadline. */
  void connected(HttpConnection connection) {
    if (millis <= 0 || !(connection instanceof ConnectionBase base)) {
      return;
    }
    Channel channel = base.channel();
    // no close handler: a connection that goes away early leaves its entry only until its deadline
    waiting.put(connection, channel.eventLoop().schedule(() -> {
      if (waiting.remove(connection) != null) {
        channel.close();
      }
    }, millis, TimeUnit.MILLISECONDS));
  }

  /** Wraps the server's request handler: a request whose head arrived stops its connection's deadline. */
  Handler<HttpServerRequest> wrap(Handler<HttpServerRequest> handler) {
    if (millis <= 0) {
      return handler;
    }
    return request -> {
      if (!waiting.isEmpty()) {
        Future<?> pending = waiting.remove(request.connection());
        if (pending != null) {
          pending.cancel(false);
        }
      }
      handler.handle(request);
    };
  }
}
