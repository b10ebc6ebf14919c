package io.ollamagateway.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.ollamagateway.config.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The gateway's HTTP/1.1 client towards its upstreams, on Netty directly rather than Vert.x's
 * {@code HttpClient}: measured side by side (bench/floor.sh, bench/RESULTS.md 2026-12-01), a minimal proxy on
 * Vert.x's server and client spent 42-56 us of CPU per request, the same server with this kind of client 24-31,
 * nginx 14-22; the upstream hop is the whole of the gateway's data path.
 *
 * <p>Connections are pooled per event loop and upstream origin: a request only ever uses connections of the
 * event loop its client connection runs on, so a connection's state is never shared between threads and no
 * pool is locked. Each event loop may open up to {@code maxConnections} connections to an origin; a request that
 * finds them all busy waits, in order, for one to come back. The cap is per event loop rather than shared,
 * because a shared one would let one loop's idle connections starve another loop's waiting requests (client
 * connections are not spread evenly over the loops); concurrency towards an upstream is governed by its
 * {@code max_concurrent} gate, this cap only bounds the sockets. Idle connections are closed after
 * {@link #KEEP_ALIVE}. {@code https} upstreams get TLS with SNI and host name verification
 * against the JVM's trusted certificates.
 *
 * <p>{@link #acquire} must be called on an event loop of the Vert.x instance given to the constructor; the
 * returned future completes on that event loop's context.
 */
public final class UpstreamClient {

  /** How long an unused connection stays open for the next request. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final ChannelFactory<? extends Channel> channels;
  private final int connectTimeoutMillis;
  private final long idleTimeoutMillis;
  private final int maxPerLoop;
  private final long keepAliveNanos;
  /** Built on the first https connection (reading the JVM's trusted certificates takes time and memory). */
  private final Supplier<SslContext> tlsFactory;
  private volatile SslContext tls;
  /** Outer map shared (one entry per event loop); each inner map is touched only by its event loop. */
  private final Map<EventLoop, Map<Origin, Pool>> pools = new ConcurrentHashMap<>();

  public UpstreamClient(Vertx vertx, Duration connectTimeout, Duration idleTimeout, int maxConnections) {
    this(vertx, connectTimeout, idleTimeout, maxConnections, UpstreamClient::defaultTls, KEEP_ALIVE);
  }

  public UpstreamClient(Vertx vertx, Duration connectTimeout, Duration idleTimeout, int maxConnections, SslContext tls) {
    this(vertx, connectTimeout, idleTimeout, maxConnections, () -> tls, KEEP_ALIVE);
  }

  public UpstreamClient(Vertx vertx, Duration connectTimeout, Duration idleTimeout, int maxConnections, SslContext tls,
      Duration keepAlive) {
    this(vertx, connectTimeout, idleTimeout, maxConnections, () -> tls, keepAlive);
  }

  private UpstreamClient(Vertx vertx, Duration connectTimeout, Duration idleTimeout, int maxConnections,
      Supplier<SslContext> tlsFactory, Duration keepAlive) {
    this(vertx, connectTimeout, idleTimeout, maxConnections, tlsFactory, keepAlive,
        ((VertxInternal) vertx).transport().channelFactory(false));
  }

  /** With the sockets made by {@code channels}: for tests. */
  UpstreamClient(Vertx vertx, Duration connectTimeout, Duration idleTimeout, int maxConnections,
      Supplier<SslContext> tlsFactory, Duration keepAlive, ChannelFactory<? extends Channel> channels) {
    this.vertx = vertx;
    this.keepAliveNanos = keepAlive.toNanos();
    this.channels = channels;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.idleTimeoutMillis = idleTimeout.toMillis();
    this.maxPerLoop = Math.max(1, maxConnections);
    this.tlsFactory = tlsFactory;
  }

  /** The TLS context, built once; blocks the first time: call it from a worker. */
  private SslContext tls() {
    SslContext context = tls;
    if (context == null) {
      synchronized (this) {
        context = tls;
        if (context == null) {
          context = tlsFactory.get();
          tls = context;
        }
      }
    }
    return context;
  }

  private static SslContext defaultTls() {
    try {
      return SslContextBuilder.forClient().build();
    } catch (SSLException e) {
      throw new IllegalStateException("the JVM's TLS client cannot be set up", e);
    }
  }

  /**
   * A connection to {@code upstream} for one request: an idle one of this event loop, a new one, or the next
   * one another request of this event loop gives back. Fails when no connection can be opened.
   */
  public Future<UpstreamConnection> acquire(ContextInternal context, UpstreamConfig upstream) {
    EventLoop loop = context.nettyEventLoop();
    Origin origin = new Origin(upstream.host(), upstream.port(), upstream.ssl());
    return pools.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(origin, o -> new Pool(loop, o))
        .acquire(context);
  }

  /** Closes every connection; requests still under way fail. */
  public void close() {
    pools.forEach((loop, byOrigin) -> loop.execute(() -> {
      List<Pool> all = new ArrayList<>(byOrigin.values());
      byOrigin.clear();
      all.forEach(Pool::closeIdle);
    }));
  }

  private record Origin(String host, int port, boolean ssl) {
    // Written out because this is a map key looked up on every request: the generated equals and hashCode
    // went through method handles that showed in profiles.
    @Override
    public boolean equals(Object other) {
      return other instanceof Origin o && port == o.port && ssl == o.ssl && host.equals(o.host);
    }

    @Override
    public int hashCode() {
      return (host.hashCode() * 31 + port) * 2 + (ssl ? 1 : 0);
    }
  }

  /** The connections of one event loop to one origin. Confined to that event loop. */
  final class Pool {
    private final EventLoop loop;
    private final Origin origin;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<PromiseInternal<UpstreamConnection>> waiters = new ArrayDeque<>();
    private int open;
    private ScheduledFuture<?> sweep;

    Pool(EventLoop loop, Origin origin) {
      this.loop = loop;
      this.origin = origin;
    }

    Future<UpstreamConnection> acquire(ContextInternal context) {
      UpstreamConnection connection;
      while ((connection = idle.pollFirst()) != null) {
        if (connection.usable()) {
          return context.succeededFuture(connection);
        }
      }
      PromiseInternal<UpstreamConnection> promise = context.promise();
      if (open < maxPerLoop) {
        open++;
        connect(promise);
      } else {
        waiters.add(promise);
      }
      return promise.future();
    }

    /** A connection whose exchange is over and which may carry the next one. */
    void release(UpstreamConnection connection) {
      PromiseInternal<UpstreamConnection> waiter = waiters.poll();
      if (waiter != null) {
        waiter.complete(connection);
        return;
      }
      idle.addFirst(connection);
      connection.idleSince(System.nanoTime());
      if (sweep == null) {
        sweep = loop.schedule(this::closeExpired, keepAliveNanos, TimeUnit.NANOSECONDS);
      }
    }

    /**
     * Closes the connections idle for the keep-alive time ({@link #KEEP_ALIVE}). One timer per pool at a time,
     * not one per release: at thousands of requests a second, a timer per release kept a minute's worth of
     * them alive.
     */
    private void closeExpired() {
      sweep = null;
      long now = System.nanoTime();
      UpstreamConnection oldest;
      // released connections are added first, so the longest idle is last
      while ((oldest = idle.peekLast()) != null && now - oldest.idleSince() >= keepAliveNanos) {
        idle.pollLast();
        oldest.close();
      }
      if (oldest != null) {
        long left = keepAliveNanos - (now - oldest.idleSince());
        sweep = loop.schedule(this::closeExpired, Math.max(1, left), TimeUnit.NANOSECONDS);
      }
    }

    /** A connection closed (or failed to open): its place goes to the next waiter, if any. */
    void closed(UpstreamConnection connection) {
      idle.remove(connection);
      open--;
      PromiseInternal<UpstreamConnection> waiter = waiters.poll();
      if (waiter != null) {
        open++;
        connect(waiter);
      }
    }

    void closeIdle() {
      new ArrayList<>(idle).forEach(UpstreamConnection::close);
      idle.clear();
      waiters.forEach(w -> w.tryFail("the gateway is stopping"));
      waiters.clear();
    }

    private void connect(PromiseInternal<UpstreamConnection> promise) {
      if (origin.ssl() && tls == null) {
        vertx.executeBlocking(UpstreamClient.this::tls, false).onComplete(ar -> loop.execute(() -> {
          if (ar.failed()) {
            closed(null);
            promise.tryFail(ar.cause());
          } else {
            resolve(promise);
          }
        }));
        return;
      }
      resolve(promise);
    }

    private void resolve(PromiseInternal<UpstreamConnection> promise) {
      if (NetUtil.isValidIpV4Address(origin.host()) || NetUtil.isValidIpV6Address(origin.host())) {
        connect(promise, new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(origin.host()),
            origin.port()));
        return;
      }
      // Name lookups block; they happen only when a new connection opens (the JVM caches the answers).
      vertx.<InetAddress>executeBlocking(() -> InetAddress.getByName(origin.host()), false).onComplete(ar -> {
        if (ar.failed()) {
          loop.execute(() -> {
            closed(null);
            promise.tryFail(ar.cause());
          });
        } else {
          loop.execute(() -> connect(promise, new InetSocketAddress(ar.result(), origin.port())));
        }
      });
    }

    private void connect(PromiseInternal<UpstreamConnection> promise, InetSocketAddress address) {
      connect(promise, address, true);
    }

    private void connect(PromiseInternal<UpstreamConnection> promise, InetSocketAddress address, boolean first) {
      UpstreamConnection connection = new UpstreamConnection(this, idleTimeoutMillis);
      new Bootstrap().group(loop).channelFactory(channels)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.SO_KEEPALIVE, true)
          .handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
              if (origin.ssl()) {
                SslHandler handler = tls().newHandler(channel.alloc(), origin.host(), origin.port());
                SSLParameters parameters = handler.engine().getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                handler.engine().setSSLParameters(parameters);
                channel.pipeline().addLast(handler);
              }
              channel.pipeline().addLast(new HttpClientCodec(4096, 16384, 16384), connection);
            }
          })
          .connect(address)
          .addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess() && first && connected.cause() instanceof ClosedChannelException) {
              // Closed on this side before it was connected, so the upstream never saw it: with epoll, a socket
              // that takes the number of one closed in the same round of events gets that socket's pending
              // event, fails to read (not yet connected) and is closed. At 1,000 streams with clients vanishing
              // it happened a few times a minute (bench/soak.sh), each a 502 and the upstream marked unhealthy.
              // The next socket does not inherit the event: one more try.
              connect(promise, address, false);
              return;
            }
            if (!connected.isSuccess()) {
              closed(null);
              promise.tryFail(connected.cause());
              return;
            }
            SslHandler ssl = connected.channel().pipeline().get(SslHandler.class);
            if (ssl == null) {
              promise.complete(connection);
              return;
            }
            ssl.handshakeFuture().addListener(handshake -> {
              if (handshake.isSuccess()) {
                promise.complete(connection);
              } else {
                connected.channel().close(); // closed() runs when the channel goes inactive
                promise.tryFail(handshake.cause());
              }
            });
          });
    }
  }
}
