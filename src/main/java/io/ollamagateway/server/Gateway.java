package io.ollamagateway.server;

import io.ollamagateway.admin.Identity;
import io.ollamagateway.alerts.Alerts;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.ObservabilityConfig;
import io.ollamagateway.store.Database;
import io.ollamagateway.tracing.Tracing;
import io.ollamagateway.routing.AliasTable;
import io.ollamagateway.upstream.UpstreamRegistry;
import io.ollamagateway.usage.UsageRollups;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: its own Vert.x instance, one HTTP server per event loop sharing the port, the proxy (whose
 * own upstream client keeps connections per event loop), a Vert.x HTTP client for the upstreams' health checks,
 * catalogues and probes; everything else is built by the composition root, {@link Wiring}, and both listeners
 * are built from its route table, {@link Routes}.
 *
 * <p>{@link #start} and {@link #stop} may be called from any thread other than the gateway's event loops.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  /** Connections per upstream for the probes' client: a few checks at a time, never proxied traffic. */
  private static final int PROBE_CONNECTIONS = 8;

  private final GatewayConfig config;
  private final Vertx vertx;
  private final HttpClientAgent probeClient;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final Supplier<GatewayConfig> reloadSource;
  private final UpstreamRegistry registry;
  private final AliasTable aliases;
  private volatile int port;
  private volatile int adminPort;
  private volatile Wiring wiring;
  private final ObservabilityConfig observability;
  private final Alerts alerts;

  private Gateway(GatewayConfig config, Supplier<GatewayConfig> reloadSource, ObservabilityConfig observability) {
    this.config = config;
    this.observability = observability;
    this.reloadSource = reloadSource;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops())
        .setWorkerPoolSize(JvmFootprint.workerThreads())
        .setPreferNativeTransport(true));
    this.probeClient = vertx.createHttpClient(
        new HttpClientOptions()
            .setKeepAlive(true)
            .setKeepAliveTimeout(60)
            .setTcpNoDelay(true)
            .setVerifyHost(true)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.upstreamConnectTimeout().toMillis())),
        // health checks, catalogues and /health probes only: proxied requests use the proxy's own client
        new PoolOptions().setHttp1MaxSize(PROBE_CONNECTIONS));
    this.aliases = new AliasTable(config.aliases());
    this.registry = new UpstreamRegistry(vertx, probeClient, config.upstreams(), config.upstreamPolicy(),
        System::currentTimeMillis, Duration.ofSeconds(3));
    this.alerts = new Alerts(vertx, observability, java.time.Clock.systemUTC(), BuildInfo.version());
  }

  /** Starts a gateway and completes once it listens. Reloads keep this configuration's upstreams. */
  public static Future<Gateway> start(GatewayConfig config) {
    return start(config, () -> config);
  }

  /**
   * Starts a gateway and completes once it listens.
   *
   * @param reloadSource reads the configuration again for a reload ({@code SIGHUP}, {@code POST
   *     /admin/api/reload}); called on a worker thread, may throw a {@link io.ollamagateway.config.ConfigException}
   */
  public static Future<Gateway> start(GatewayConfig config, Supplier<GatewayConfig> reloadSource) {
    return start(config, reloadSource, ObservabilityConfig.NONE);
  }

  /**
   * Starts a gateway and completes once it listens.
   *
   * @param reloadSource reads the configuration again for a reload
   * @param observability tracing ({@link Tracing}: on when its {@code OTEL_*} settings, the environment or the
   *     system properties name an OTLP endpoint) and the webhooks of the {@link Alerts}
   */
  public static Future<Gateway> start(GatewayConfig config, Supplier<GatewayConfig> reloadSource,
      ObservabilityConfig observability) {
    Gateway gateway = new Gateway(config, reloadSource, observability);
    // Close without waiting: a close chained here, on the failed deployment's context, never completes.
    return gateway.listen().map(gateway).recover(err -> {
      gateway.vertx.close();
      return Future.failedFuture(err);
    });
  }

  private Future<Void> listen() {
    try {
      Tls.check(vertx, config.tls());
      // blocks: the caller is a start-up thread, not an event loop
      wiring = Wiring.open(config, observability, vertx, probeClient, registry, aliases, alerts,
          this::reload);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    boolean ownAdminListener = config.identity().adminPort().isPresent();
    Router router = wiring.routes.router(vertx, false, ownAdminListener);
    Handler<HttpServerRequest> entry = Routes.entry(router, wiring.proxy::handle);

    // The upstreams' catalogues are read before the first request can arrive, so that routing by model works
    // from the start. Then one server per event loop, all on one port, which Vert.x shares among them; port 0
    // (any free port) is chosen here once: given to each server, 0 would give each its own port.
    int listenPort = config.port() == 0 ? FreePort.find(config.host()) : config.port();
    return registry.start()
        .compose(v -> vertx.deployVerticle(() -> new ServerVerticle(config, entry, listenPort, servers::add),
            new DeploymentOptions().setInstances(config.eventLoops())))
        .map(id -> port = servers.get(0).actualPort())
        .compose(v -> ownAdminListener ? listenAdmin(wiring.routes.router(vertx, true, true))
            : Future.succeededFuture())
        .onSuccess(v -> LOG.info("Ollama Gateway {} listening on {}://{}:{} -> {} ({} event loops, {})",
            BuildInfo.version(), Tls.scheme(config.tls()), config.host(), port,
            config.upstreams().stream().map(u -> u.name() + "=" + u.displayUrl()).toList(), config.eventLoops(),
            vertx.isNativeTransportEnabled() ? "epoll" : "nio"))
        .recover(err -> vertx.executeBlocking(() -> {
          wiring.closeStores();
          return null;
        }).transform(v -> Future.failedFuture(err)))
        .mapEmpty();
  }

  /** The admin listener alone on {@code ADMIN_HOST:ADMIN_PORT}, one server (admin traffic is light). */
  private Future<Void> listenAdmin(Router adminRouter) {
    return vertx.createHttpServer(Tls.apply(config.tls(), new HttpServerOptions()
            .setHost(config.identity().adminHost()).setPort(config.identity().adminPort().getAsInt())))
        .requestHandler(adminRouter)
        .listen()
        .onSuccess(server -> {
          servers.add(server);
          adminPort = server.actualPort();
          LOG.info("admin API on {}://{}:{}/admin/api", Tls.scheme(config.tls()), config.identity().adminHost(),
              adminPort);
        })
        .mapEmpty();
  }

  /** The alerts, for the admin API, tools and tests. */
  public Alerts alerts() {
    return alerts;
  }

  /** The port of the separate admin listener, or 0 when the admin API is on the main port. */
  public int adminPort() {
    return adminPort;
  }

  /** What identity brings: the authenticator (for its counters), the repositories; for tests and tools. */
  public Identity identity() {
    return wiring.identity;
  }

  /** The database the gateway opened, for tests and tools. */
  public Database database() {
    return wiring.database;
  }

  /**
   * Re-reads the configuration and replaces the upstreams and their keys; running requests finish on the
   * upstream they started on. Fails, keeping the running configuration, when the new one is invalid. Other
   * settings (port, auth...) need a restart.
   */
  public Future<Void> reload() {
    return vertx.<GatewayConfig>executeBlocking(reloadSource::get, false)
        .compose(next -> registry.reload(next.upstreams(), next.upstreamPolicy())
            .onSuccess(v -> aliases.set(next.aliases())));
  }

  /** The usage collected and not yet written; {@code flush()} writes it now. For tools and tests. */
  public UsageRollups usage() {
    return wiring.usage;
  }

  /** The live upstreams, for tools and tests. */
  public UpstreamRegistry upstreams() {
    return registry;
  }

  /** The port the gateway listens on. */
  /**
   * A router with the routes the gateway answers itself on the main listener (with the admin API on it), or on
   * an {@code ADMIN_PORT} listener; for tests that hold the route table to its documentation.
   */
  Router ownRoutes(boolean adminListener) {
    return wiring.routes.router(vertx, adminListener, adminListener);
  }

  public int port() {
    return port;
  }

  /**
   * Stops accepting connections, lets requests under way finish for up to {@code grace}, writes the usage
   * collected so far, then closes everything. Completes when the gateway is fully stopped.
   */
  public Future<Void> stop(Duration grace) {
    List<Future<Void>> shutdowns = servers.stream().map(server -> server.shutdown(grace.toMillis(),
        TimeUnit.MILLISECONDS)).toList();
    registry.stop();
    return Future.join(shutdowns)
        .transform(v -> {
          if (wiring != null) {
            wiring.proxy.close();
          }
          return probeClient.close();
        })
        // After the servers (their last requests are counted), before the store closes.
        .transform(v -> wiring == null ? Future.succeededFuture() : wiring.usage.shutdown())
        .transform(v -> wiring == null || wiring.requestLog == null ? Future.succeededFuture()
            : wiring.requestLog.shutdown())
        .transform(v -> wiring == null ? Future.succeededFuture() : Tracing.close(vertx, wiring.tracer))
        .transform(v -> alerts.close())
        .transform(v -> wiring == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
          wiring.closeStores();
          return null;
        }))
        .transform(v -> vertx.close());
  }
}
