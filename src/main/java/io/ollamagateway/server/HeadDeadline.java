package io.ollamagateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code CLIENT_HEADER_TIMEOUT}: a request head must arrive whole within the deadline, or the connection's socket
 * is closed, so that a client that dribbles header bytes (slowloris) holds no connection for long. The clock
 * starts when a connection is accepted, and on a kept-alive HTTP/1.1 connection again at the first byte after
 * the previous request ended; it stops when the head has been parsed. A connection that stays silent between
 * requests is {@code CLIENT_IDLE_TIMEOUT}'s.
 *
 * <p>The deadline is a small Netty handler at the front of the connection's pipeline, which sees bytes before
 * the HTTP decoder does and closes the channel itself: a Vert.x timer or {@code HttpConnection.close()} would
 * wait for the request being parsed, which is the point. Thread-safe: the map is shared by the loops of one
 * server; each handler runs on its channel's loop.
 */
final class HeadDeadline {

  private final long millis;
  private final Map<HttpConnection, Clock> clocks = new ConcurrentHashMap<>();

  HeadDeadline(Duration timeout) {
    this.millis = timeout.toMillis();
  }

  /** The server's connection handler: puts the clock in the pipeline and starts it. */
  void connected(HttpConnection connection) {
    if (millis <= 0 || !(connection instanceof ConnectionBase base)) {
      return;
    }
    Channel channel = base.channel();
    Clock clock = new Clock(connection);
    clocks.put(connection, clock);
    channel.pipeline().addFirst("head-deadline", clock);
    clock.start(channel);
  }

  /** Wraps the server's request handler: a parsed head stops the clock until the request has ended. */
  Handler<HttpServerRequest> wrap(Handler<HttpServerRequest> handler) {
    if (millis <= 0) {
      return handler;
    }
    return request -> {
      Clock clock = clocks.get(request.connection());
      if (clock != null) {
        clock.headArrived();
        if (request.version() != HttpVersion.HTTP_2) { // HTTP/2 multiplexes: only its first head is timed
          request.end().onComplete(ar -> clock.awaitNext());
        }
      }
      handler.handle(request);
    };
  }

  /**
   * One connection's clock; its state is touched on the channel's loop and the request's context. One check is
   * scheduled at a time and goes on checking while heads are awaited: a kept-alive connection's requests share
   * it instead of scheduling and cancelling a timer each.
   */
  private final class Clock extends ChannelInboundHandlerAdapter {
    private final HttpConnection connection;
    private volatile boolean awaiting;
    /** When the awaited head must be in by ({@link System#nanoTime}), or 0 while its first byte is awaited. */
    private volatile long deadline;
    private volatile ScheduledFuture<?> check;
    private volatile Channel channel;

    Clock(HttpConnection connection) {
      this.connection = connection;
    }

    void start(Channel channel) {
      this.channel = channel;
      awaiting = true;
      run();
    }

    /** The clock runs from now. */
    private void run() {
      deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      if (check == null) {
        schedule(TimeUnit.MILLISECONDS.toNanos(millis));
      }
    }

    private void schedule(long nanos) {
      Channel ch = channel;
      check = ch.eventLoop().schedule(() -> {
        long left = deadline - System.nanoTime();
        if (!awaiting || deadline == 0) {
          check = null; // the next head's first byte schedules the next check
        } else if (left <= 0) {
          check = null;
          ch.close();
        } else {
          schedule(left); // a later head than the one this check was scheduled for
        }
      }, nanos, TimeUnit.NANOSECONDS);
    }

    void headArrived() {
      awaiting = false;
      deadline = 0;
    }

    /** The request ended: the next byte starts the next head's clock. */
    void awaitNext() {
      awaiting = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (awaiting && deadline == 0) {
        run();
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      clocks.remove(connection);
      headArrived();
      ScheduledFuture<?> pending = check;
      check = null;
      if (pending != null) {
        pending.cancel(false);
      }
      ctx.fireChannelInactive();
    }
  }
}
