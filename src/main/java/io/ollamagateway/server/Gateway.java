package io.ollamagateway.server;

import io.ollamagateway.admin.Identity;
import io.ollamagateway.admin.IdentityService;
import io.ollamagateway.admin.RedisChangeFeed;
import io.ollamagateway.alerts.Alerts;
import io.ollamagateway.api.RequestId;
import io.ollamagateway.config.ObservabilityConfig;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.limits.Admission;
import io.ollamagateway.limits.Budgets;
import io.ollamagateway.limits.Calibration;
import io.ollamagateway.limits.Concurrency;
import io.ollamagateway.limits.LimitPlans;
import io.ollamagateway.limits.MemoryBudgets;
import io.ollamagateway.limits.MemoryConcurrency;
import io.ollamagateway.limits.RedisBudgets;
import io.ollamagateway.limits.RedisClients;
import io.ollamagateway.limits.RedisConcurrency;
import io.ollamagateway.metrics.GatewayMetrics;
import io.ollamagateway.metrics.MetricsListener;
import io.ollamagateway.proxy.AccessLog;
import io.ollamagateway.proxy.ProxyHandler;
import io.ollamagateway.policy.AccessPolicy;
import io.ollamagateway.proxy.ResponseTap;
import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.store.JdbcRequestLog;
import io.ollamagateway.tracing.Tracing;
import io.ollamagateway.store.JdbcUsageStore;
import io.ollamagateway.usage.RequestLog;
import io.ollamagateway.usage.UsageRecorder;
import io.ollamagateway.usage.Metering;
import io.ollamagateway.usage.UsageLedger;
import io.ollamagateway.usage.UsageRollups;
import io.ollamagateway.usage.TokenEstimator;
import io.ollamagateway.upstream.ConcurrencyGate;
import io.ollamagateway.upstream.ModelRouter;
import io.ollamagateway.upstream.Upstream;
import io.ollamagateway.upstream.UpstreamProbe;
import io.ollamagateway.upstream.UpstreamRegistry;
import io.ollamagateway.upstream.UpstreamSelector;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.redis.client.RedisAPI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: its own Vert.x instance, one HTTP server per event loop sharing the port, the proxy (whose
 * own upstream client keeps connections per event loop), a Vert.x HTTP client for the upstreams' health checks,
 * catalogues and probes, and the pipeline stages wired by hand.
 *
 * <p>{@link #start} and {@link #stop} may be called from any thread other than the gateway's event loops.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  /** How long a concurrency slot of an instance that died without releasing it stays taken in Redis. */
  private static final Duration REDIS_LEASE_TTL = Duration.ofMinutes(15);
  /** The one path under {@code /api/} that the gateway answers itself rather than forwards. */
  private static final String SELF_STATS = "/api/stats";
  /** Connections per upstream for the probes' client: a few checks at a time, never proxied traffic. */
  private static final int PROBE_CONNECTIONS = 8;

  private final GatewayConfig config;
  private final Vertx vertx;
  private final HttpClientAgent probeClient;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final Supplier<GatewayConfig> reloadSource;
  private final UpstreamRegistry registry;
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final TokenEstimator estimator = new TokenEstimator();
  private volatile int port;
  private volatile int adminPort;
  private volatile Identity identity;
  private volatile UsageRollups usage;
  private volatile RedisAPI redis;
  private volatile RequestLog requestLog;
  private volatile RedisChangeFeed changeFeed;
  private volatile ProxyHandler proxy;
  private final ObservabilityConfig observability;
  private final Alerts alerts;
  private volatile Tracing.Tracer tracer;

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
      if (config.limits().redisUrl().isPresent()) {
        redis = RedisClients.create(vertx, config.limits().redisUrl().get());
        changeFeed = new RedisChangeFeed(vertx, config.limits().redisUrl().get(), config.limits().redisKeyPrefix(),
            redis);
      }
      // blocks: the caller is a start-up thread, not an event loop
      identity = Identity.open(vertx, config, changeFeed == null ? IdentityService.Invalidation.NONE : changeFeed);
      if (changeFeed != null) {
        changeFeed.listen(identity.authenticator());
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Authenticator authenticator = identity.requestAuthenticator();
    warnAboutAShortToken();
    UpstreamSelector selector = new ModelRouter(registry);
    UpstreamProbe probe = new UpstreamProbe(probeClient,
        () -> registry.snapshot().upstreams().stream().map(Upstream::config).toList(), Duration.ofSeconds(3));
    metrics.watchUpstreams(() -> registry.snapshot().upstreams().stream().map(upstream -> {
      ConcurrencyGate.Stats queue = upstream.gate().stats();
      return new GatewayMetrics.UpstreamQueue(upstream.name(), queue.inFlight(), queue.queued(),
          queue.admittedAfterWait(), queue.totalWaitMillis(), queue.maxWaitMillis(), queue.rejected(),
          queue.timedOut());
    }).toList());
    metrics.watchHealth(() -> registry.snapshot().upstreams().stream().map(upstream -> {
      long now = System.currentTimeMillis();
      int usable = 0;
      int cooling = 0;
      int disabled = 0;
      for (var key : upstream.keys().states()) {
        if (key.disabledReason() != null) {
          disabled++;
        } else if (key.cooldownUntilMillis() > now) {
          cooling++;
        } else {
          usable++;
        }
      }
      return new GatewayMetrics.UpstreamHealth(upstream.name(), upstream.healthy(), usable, cooling, disabled);
    }).toList());
    MetricsListener metricsListener = new MetricsListener(metrics);
    try {
      tracer = Tracing.open(vertx, observability.otel(), BuildInfo.version());
    } catch (RuntimeException e) {
      // the SDK's own configuration error, with its cause (e.g. which OTEL_* value it could not read)
      Throwable cause = e.getCause() == null ? e : e.getCause();
      LOG.error("cannot start tracing", e);
      return Future.failedFuture(new io.ollamagateway.config.ConfigException("tracing (OTEL_* settings): "
          + e.getMessage() + (cause == e ? "" : ": " + cause)));
    }
    JdbcUsageStore usageStore = new JdbcUsageStore(identity.database().dataSource());
    usage = new UsageRollups(vertx, batch -> watched("usage", () -> usageStore.add(batch)),
        config.usageFlushInterval(), Instant::now);
    alerts.watch(() -> registry.snapshot().upstreams().stream().map(upstream -> new Alerts.UpstreamState(
        upstream.name(), upstream.healthy(), upstream.lastError(), !upstream.keys().isEmpty(),
        upstream.keys().peek().isPresent())).toList(), Duration.ofSeconds(1));
    UsageLedger ledger = new UsageLedger(usage);
    Admission admission = admission();
    List<UsageRecorder> recorders = new ArrayList<>(List.of(metricsListener, ledger, admission));
    List<ExchangeListener> listeners = new ArrayList<>(List.of(new AccessLog(config.accessLog()), metricsListener,
        ledger, admission));
    if (tracer != null) {
      listeners.add(0, tracer); // first: it sets each exchange's trace when it starts
      recorders.add(tracer);
    }
    JdbcRequestLog requestStore = null;
    if (config.requestLogRetention().isPresent()) {
      requestStore = new JdbcRequestLog(identity.database().dataSource());
      JdbcRequestLog store = requestStore;
      requestLog = new RequestLog(vertx, new io.ollamagateway.usage.RequestLogWriter() {
        @Override
        public void append(List<io.ollamagateway.usage.RequestRecord> batch) {
          watched("request_log", () -> store.append(batch));
        }

        @Override
        public int deleteBefore(Instant cutoff) {
          return store.deleteBefore(cutoff);
        }
      }, config.usageFlushInterval(),
          config.requestLogRetention().get(), Instant::now);
      recorders.add(requestLog);
      listeners.add(requestLog); // after admission: told of the end once the request is settled
    }
    Metering metering = new Metering(estimator, recorders);
    ProxyHandler proxy = new ProxyHandler(config, vertx, authenticator,
        List.of(AccessPolicy::check, admission, metering), selector,
        ResponseTap.Factory.all(List.of(identity.responseTaps(), metering)), listeners);
    this.proxy = proxy;
    UsageRoutes usageRoutes = new UsageRoutes(vertx, authenticator, usageStore, requestStore);
    StatusRoutes status = new StatusRoutes(vertx, probe, authenticator, usageStore,
        new Readiness(vertx, identity.database(), registry));
    SelfServiceRoute selfService = new SelfServiceRoute(vertx, authenticator, admission, usageStore,
        config.limits().zone());
    boolean ownAdminListener = config.identity().adminPort().isPresent();

    Router router = Router.router(vertx);
    router.route().handler(Gateway::requestId); // first: even a refused preflight answers with its id
    router.route().handler(Cors.handler(config.allowedOrigins()));
    router.get("/health").handler(status::health);
    router.get("/ready").handler(status::ready);
    router.get("/metrics").handler(new MetricsRoute(metrics, authenticator, config.metricsPublic()));
    UpstreamRoutes upstreamRoutes = new UpstreamRoutes(authenticator, registry, this::reload);
    AlertRoutes alertRoutes = new AlertRoutes(authenticator, alerts);
    usageRoutes.mountStats(router);
    router.get(SELF_STATS).handler(selfService::handle);
    if (!ownAdminListener) {
      identity.mountConsole(router); // before the admin routes: its session check runs first
      upstreamRoutes.mount(router);
      alertRoutes.mount(router);
      usageRoutes.mountAdmin(router);
    }
    router.route("/").handler(status::root);
    identity.mount(router, !ownAdminListener);
    router.route().handler(ctx -> proxy.handle(ctx.request()));
    Handler<HttpServerRequest> entry = request -> {
      // Proxied calls skip the router (its matching and context cost a few microseconds a request) unless a
      // browser sent them (CORS is the router's first handler) or the path is the gateway's own.
      String path = request.path();
      if ((path.startsWith("/api/") || path.startsWith("/v1/")) && !path.equals(SELF_STATS)
          && !request.headers().contains(HttpHeaders.ORIGIN)) {
        proxy.handle(request);
      } else {
        router.handle(request);
      }
    };

    // The upstreams' catalogues are read before the first request can arrive, so that routing by model works
    // from the start. Then one server per event loop, all on one port, which Vert.x shares among them; port 0
    // (any free port) is chosen here once: given to each server, 0 would give each its own port.
    int listenPort = config.port() == 0 ? FreePort.find(config.host()) : config.port();
    return registry.start()
        .compose(v -> vertx.deployVerticle(() -> new ServerVerticle(entry, listenPort),
            new DeploymentOptions().setInstances(config.eventLoops())))
        .map(id -> port = servers.get(0).actualPort())
        .compose(v -> ownAdminListener ? listenAdmin(upstreamRoutes, alertRoutes, usageRoutes) : Future.succeededFuture())
        .onSuccess(v -> LOG.info("Ollama Gateway {} listening on {}://{}:{} -> {} ({} event loops, {})",
            BuildInfo.version(), Tls.scheme(config.tls()), config.host(), port,
            config.upstreams().stream().map(u -> u.name() + "=" + u.displayUrl()).toList(), config.eventLoops(),
            vertx.isNativeTransportEnabled() ? "epoll" : "nio"))
        .recover(err -> vertx.executeBlocking(() -> {
          identity.close();
          return null;
        }).transform(v -> Future.failedFuture(err)))
        .mapEmpty();
  }

  /** A shared token shorter than this is easy to guess, however slowly failures are let through. */
  static final int SHORT_TOKEN = 16;

  private void warnAboutAShortToken() {
    if (config.proxyAuthToken().isPresent() && config.proxyAuthToken().get().length() < SHORT_TOKEN) {
      // never the token itself, nor its length
      LOG.warn("PROXY_AUTH_TOKEN is shorter than {} characters: anyone who can reach the gateway may guess it; "
          + "use a long random token (e.g. openssl rand -hex 24), or API keys", SHORT_TOKEN);
    }
  }

  /**
   * Admission against counters in this process, or in Redis when {@code REDIS_URL} is set so that every
   * instance sharing it enforces one limit.
   */
  private Admission admission() {
    var limits = config.limits();
    Budgets budgets;
    Concurrency concurrency;
    if (redis != null) {
      budgets = new RedisBudgets(redis, limits.zone(), limits.redisKeyPrefix());
      concurrency = new RedisConcurrency(redis, REDIS_LEASE_TTL, limits.redisKeyPrefix());
      LOG.info("limits are counted in Redis, shared with every gateway instance using it");
    } else {
      budgets = new MemoryBudgets(limits.zone());
      concurrency = new MemoryConcurrency();
    }
    return new Admission(new LimitPlans(limits), budgets, concurrency, estimator, new Calibration(),
        limits.outputReserve(), limits.failOpen(), Instant::now, metrics::limited, alerts.quotas());
  }

  /** The admin API alone on {@code ADMIN_HOST:ADMIN_PORT}, one server (admin traffic is light). */
  private Future<Void> listenAdmin(UpstreamRoutes upstreamRoutes, AlertRoutes alertRoutes, UsageRoutes usageRoutes) {
    Router adminRouter = Router.router(vertx);
    adminRouter.route().handler(Gateway::requestId);
    identity.mountConsole(adminRouter); // before the admin routes: its session check runs first
    upstreamRoutes.mount(adminRouter); // before identity's /admin/api/* sub-router, which would take these paths
    alertRoutes.mount(adminRouter);
    usageRoutes.mountAdmin(adminRouter);
    identity.mountQuotaProxyApi(adminRouter); // the quota proxy's admin paths, kept for its scripts (issue 24)
    identity.mount(adminRouter, true);
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

  /** Gives the request its id ({@link RequestId}), in its response's header, where later handlers read it. */
  private static void requestId(io.vertx.ext.web.RoutingContext ctx) {
    RequestId.assign(ctx.request());
    ctx.next();
  }

  /** Runs one usage write, telling the alerts whether it failed (and the metrics); rethrows its failure. */
  private void watched(String store, Runnable write) {
    try {
      write.run();
      alerts.usageWrites(store, true, null);
    } catch (RuntimeException e) {
      metrics.usageWriteFailed(store);
      alerts.usageWrites(store, false, e.getMessage());
      throw e;
    }
  }

  /** The alerts, for the admin API, tools and tests. */
  public Alerts alerts() {
    return alerts;
  }

  /** The port of the separate admin listener, or 0 when the admin API is on the main port. */
  public int adminPort() {
    return adminPort;
  }

  /** What identity brings: the authenticator (for its counters), the store; for tests and tools. */
  public Identity identity() {
    return identity;
  }

  /**
   * Re-reads the configuration and replaces the upstreams and their keys; running requests finish on the
   * upstream they started on. Fails, keeping the running configuration, when the new one is invalid. Other
   * settings (port, auth...) need a restart.
   */
  public Future<Void> reload() {
    return vertx.<GatewayConfig>executeBlocking(reloadSource::get, false)
        .compose(next -> registry.reload(next.upstreams(), next.upstreamPolicy()));
  }

  /** The usage collected and not yet written; {@code flush()} writes it now. For tools and tests. */
  public UsageRollups usage() {
    return usage;
  }

  /** The live upstreams, for tools and tests. */
  public UpstreamRegistry upstreams() {
    return registry;
  }

  /** The port the gateway listens on. */
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
          if (proxy != null) {
            proxy.close();
          }
          return probeClient.close();
        })
        // After the servers (their last requests are counted), before the store closes.
        .transform(v -> usage == null ? Future.succeededFuture() : usage.shutdown())
        .transform(v -> requestLog == null ? Future.succeededFuture() : requestLog.shutdown())
        .transform(v -> Tracing.close(vertx, tracer))
        .transform(v -> alerts.close())
        .transform(v -> redis == null ? Future.succeededFuture() : closeRedis())
        .transform(v -> identity == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
          identity.close();
          return null;
        }))
        .transform(v -> vertx.close());
  }

  private Future<Void> closeRedis() {
    if (changeFeed != null) {
      changeFeed.close();
    }
    redis.close();
    return Future.succeededFuture();
  }

  /** One HTTP server on one event loop. */
  private final class ServerVerticle extends VerticleBase {
    private final Handler<HttpServerRequest> entry;
    private final int listenPort;

    ServerVerticle(Handler<HttpServerRequest> entry, int listenPort) {
      this.entry = entry;
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
          .setIdleTimeoutUnit(TimeUnit.SECONDS)
          // No Ollama route is a WebSocket; with either compression on, Vert.x puts a WebSocket extension
          // handler in every connection's pipeline, which every request and every answer passes through.
          .setPerFrameWebSocketCompressionSupported(false)
          .setPerMessageWebSocketCompressionSupported(false);
      HttpServer server = vertx.createHttpServer(Tls.apply(config.tls(), options)).requestHandler(entry);
      return server.listen().onSuccess(servers::add);
    }
  }
}
