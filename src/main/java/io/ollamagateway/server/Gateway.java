package io.ollamagateway.server;

import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.StaticAuthenticator;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.metrics.GatewayMetrics;
import io.ollamagateway.metrics.MetricsListener;
import io.ollamagateway.proxy.AccessLog;
import io.ollamagateway.proxy.ProxyHandler;
import io.ollamagateway.usage.Metering;
import io.ollamagateway.usage.TokenEstimator;
import io.ollamagateway.upstream.SingleUpstreamSelector;
import io.ollamagateway.upstream.UpstreamProbe;
import io.ollamagateway.upstream.UpstreamSelector;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: its own Vert.x instance, one HTTP server per event loop sharing the port, one upstream
 * HTTP client shared by all of them, and the pipeline stages wired by hand.
 *
 * <p>{@link #start} and {@link #stop} may be called from any thread other than the gateway's event loops.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final Vertx vertx;
  private final HttpClientAgent client;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final TokenEstimator estimator = new TokenEstimator();
  private volatile int port;

  private Gateway(GatewayConfig config) {
    this.config = config;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()));
    this.client = vertx.createHttpClient(
        new HttpClientOptions()
            .setKeepAlive(true)
            .setKeepAliveTimeout(60)
            .setTcpNoDelay(true)
            .setVerifyHost(true)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.upstreamConnectTimeout().toMillis())),
        new PoolOptions().setHttp1MaxSize(config.upstreamMaxConnections()));
  }

  /** Starts a gateway and completes once it listens. */
  public static Future<Gateway> start(GatewayConfig config) {
    Gateway gateway = new Gateway(config);
    // Close without waiting: a close chained here, on the failed deployment's context, never completes.
    return gateway.listen().map(gateway).recover(err -> {
      gateway.vertx.close();
      return Future.failedFuture(err);
    });
  }

  private Future<Void> listen() {
    Authenticator authenticator = new StaticAuthenticator(config.proxyAuthToken(), config.allowUnauthenticated());
    UpstreamSelector selector = new SingleUpstreamSelector(config.upstreams().get(0));
    UpstreamProbe probe = new UpstreamProbe(client, config.upstreams(), Duration.ofSeconds(3));
    MetricsListener metricsListener = new MetricsListener(metrics);
    Metering metering = new Metering(estimator, List.of(metricsListener));
    ProxyHandler proxy = new ProxyHandler(config, client, authenticator, List.of(metering), selector,
        metering, List.of(new AccessLog(config.accessLog()), metricsListener));
    StatusRoutes status = new StatusRoutes(probe);

    Router router = Router.router(vertx);
    router.route().handler(Cors.handler(config.allowedOrigins()));
    router.get("/health").handler(status::health);
    router.get("/metrics").handler(new MetricsRoute(metrics, authenticator, config.metricsPublic()));
    router.route("/").handler(status::root);
    router.route().handler(proxy);

    // One server per event loop, all on one port, which Vert.x shares among them. Port 0 (any free port) is
    // chosen here once: given to each server, 0 would give each its own port.
    int listenPort = config.port() == 0 ? io.ollamagateway.server.FreePort.find(config.host()) : config.port();
    return vertx.deployVerticle(() -> new ServerVerticle(router, listenPort),
            new DeploymentOptions().setInstances(config.eventLoops()))
        .map(id -> port = servers.get(0).actualPort())
        .onSuccess(v -> LOG.info("Ollama Gateway {} listening on http://{}:{} -> {} ({} event loops)",
            BuildInfo.version(), config.host(), port, config.upstreams().get(0).displayUrl(), config.eventLoops()))
        .mapEmpty();
  }

  /** The port the gateway listens on. */
  public int port() {
    return port;
  }

  /**
   * Stops accepting connections, lets requests under way finish for up to {@code grace}, then closes
   * everything. Completes when the gateway is fully stopped.
   */
  public Future<Void> stop(Duration grace) {
    List<Future<Void>> shutdowns = servers.stream().map(server -> server.shutdown(grace.toMillis(),
        TimeUnit.MILLISECONDS)).toList();
    return Future.join(shutdowns)
        .transform(v -> client.close())
        .transform(v -> vertx.close());
  }

  /** One HTTP server on one event loop. */
  private final class ServerVerticle extends VerticleBase {
    private final Router router;
    private final int listenPort;

    ServerVerticle(Router router, int listenPort) {
      this.router = router;
      this.listenPort = listenPort;
    }

    @Override
    public Future<?> start() {
      HttpServerOptions options = new HttpServerOptions()
          .setHost(config.host())
          .setPort(listenPort)
          .setTcpNoDelay(true)
          .setHandle100ContinueAutomatically(true)
          .setIdleTimeout((int) config.clientIdleTimeout().toSeconds())
          .setIdleTimeoutUnit(TimeUnit.SECONDS);
      HttpServer server = vertx.createHttpServer(options).requestHandler(router);
      return server.listen().onSuccess(servers::add);
    }
  }
}
