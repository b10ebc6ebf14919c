package io.ollamagateway.server;

import io.ollamagateway.admin.Identity;
import io.ollamagateway.admin.IdentityService;
import io.ollamagateway.admin.RedisChangeFeed;
import io.ollamagateway.alerts.Alerts;
import io.ollamagateway.api.RequestId;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.config.ConfigException;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.ObservabilityConfig;
import io.ollamagateway.limits.Admission;
import io.ollamagateway.limits.Budgets;
import io.ollamagateway.limits.Calibration;
import io.ollamagateway.limits.Concurrency;
import io.ollamagateway.limits.LimitPlans;
import io.ollamagateway.limits.MemoryBudgets;
import io.ollamagateway.limits.MemoryConcurrency;
import io.ollamagateway.limits.RedisBudgets;
import io.ollamagateway.limits.RedisConcurrency;
import io.ollamagateway.limits.UsageBaseline;
import io.ollamagateway.metrics.GatewayMetrics;
import io.ollamagateway.metrics.MetricsListener;
import io.ollamagateway.policy.AccessPolicy;
import io.ollamagateway.proxy.AccessLog;
import io.ollamagateway.proxy.ProxyHandler;
import io.ollamagateway.store.Database;
import io.ollamagateway.tracing.Tracing;
import io.ollamagateway.ui.WebConsole;
import io.ollamagateway.upstream.ModelRouter;
import io.ollamagateway.upstream.Upstream;
import io.ollamagateway.upstream.UpstreamProbe;
import io.ollamagateway.config.EmbedCacheConfig;
import io.ollamagateway.embedcache.EmbeddingCache;
import io.ollamagateway.embedcache.EmbeddingStore;
import io.ollamagateway.embedcache.MemoryEmbeddingStore;
import io.ollamagateway.embedcache.RedisEmbeddingStore;
import io.ollamagateway.proxy.AnswerSource;
import io.ollamagateway.routing.AliasTable;
import io.ollamagateway.upstream.UpstreamRegistry;
import io.ollamagateway.usage.JdbcRequestLog;
import io.ollamagateway.usage.JdbcUsageStore;
import io.ollamagateway.usage.Metering;
import io.ollamagateway.usage.RequestLog;
import io.ollamagateway.usage.RequestLogWriter;
import io.ollamagateway.usage.RequestRecord;
import io.ollamagateway.usage.TokenEstimator;
import io.ollamagateway.usage.UsageLedger;
import io.ollamagateway.usage.UsageRollups;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.RedisAPI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part of a running gateway once, in dependency order, by hand, and closes
 * them in reverse. It opens the database and hands it out (identity's repositories, usage, the request log,
 * readiness), creates the shared Redis client (limits, identity's change feed), builds the web console, the
 * request pipeline ({@link Pipeline}) and the route table ({@link Routes}).
 *
 * <p>The pipeline's order: the tracer (when on), the access log, the access policy, the model list filter, the
 * metrics, the usage ledger, admission, the request log (when on; told of an end once the request is settled),
 * metering. {@link #open} and {@link #closeStores} block: call them off event loops.
 */
final class Wiring {

  private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);
  /** How long a concurrency slot of an instance that died without releasing it stays taken in Redis. */
  private static final Duration REDIS_LEASE_TTL = Duration.ofMinutes(15);
  /** A user's own limits and what is left of them (self-service), beside the admin API. */
  private static final String MY_LIMITS = "/admin/api/me/limits";
  /** A shared token shorter than this is easy to guess, however slowly failures are let through. */
  static final int SHORT_TOKEN = 16;

  final GatewayMetrics metrics = new GatewayMetrics();
  final Database database;
  final Identity identity;
  final WebConsole console;
  final RedisAPI redis;
  final RedisChangeFeed changeFeed;
  final Tracing.Tracer tracer;
  final UsageRollups usage;
  final RequestLog requestLog;
  final ProxyHandler proxy;
  final Routes routes;

  private final GatewayConfig config;
  private final Alerts alerts;
  private final TokenEstimator estimator = new TokenEstimator();

  /**
   * Builds everything. On failure, what was opened is closed again.
   *
   * @param reload re-reads the configuration ({@code POST /admin/api/reload})
   */
  static Wiring open(GatewayConfig config, ObservabilityConfig observability, Vertx vertx,
      HttpClientAgent probeClient, UpstreamRegistry registry, AliasTable aliases, Alerts alerts,
      Supplier<Future<Void>> reload) {
    Database database = Database.open(config.identity().databaseUrl(), config.identity().workDir());
    RedisAPI redis = null;
    RedisChangeFeed changeFeed = null;
    Identity identity = null;
    try {
      if (config.limits().redisUrl().isPresent()) {
        redis = RedisClients.create(vertx, config.limits().redisUrl().get());
        changeFeed = new RedisChangeFeed(vertx, config.limits().redisUrl().get(), config.limits().redisKeyPrefix(),
            redis);
      }
      identity = Identity.open(vertx, config, database,
          changeFeed == null ? IdentityService.Invalidation.NONE : changeFeed);
      if (changeFeed != null) {
        changeFeed.listen(identity.authenticator());
      }
      return new Wiring(config, observability, vertx, probeClient, registry, aliases, alerts, reload, database,
          redis, changeFeed, identity);
    } catch (RuntimeException e) {
      if (identity != null) {
        identity.close();
      }
      if (changeFeed != null) {
        changeFeed.close();
      }
      if (redis != null) {
        redis.close();
      }
      database.close();
      throw e;
    }
  }

  private Wiring(GatewayConfig config, ObservabilityConfig observability, Vertx vertx, HttpClientAgent probeClient,
      UpstreamRegistry registry, AliasTable aliases, Alerts alerts, Supplier<Future<Void>> reload,
      Database database, RedisAPI redis, RedisChangeFeed changeFeed, Identity identity) {
    this.config = config;
    this.alerts = alerts;
    this.database = database;
    this.redis = redis;
    this.changeFeed = changeFeed;
    this.identity = identity;
    Authenticator authenticator = identity.requestAuthenticator();
    warnAboutAShortToken();
    this.console = new WebConsole(vertx, authenticator, identity.stores(), Clock.systemUTC(),
        config.identity().consoleIdle(), identity.trustedProxies(), identity.passwordChecks());
    UpstreamProbe probe = new UpstreamProbe(probeClient,
        () -> registry.snapshot().upstreams().stream().map(Upstream::config).toList(), Duration.ofSeconds(3));
    UpstreamWatch.watch(metrics, alerts, registry);
    try {
      this.tracer = Tracing.open(vertx, observability.otel(), BuildInfo.version());
    } catch (RuntimeException e) {
      // the SDK's own configuration error, with its cause (e.g. which OTEL_* value it could not read)
      Throwable cause = e.getCause() == null ? e : e.getCause();
      LOG.error("cannot start tracing", e);
      throw new ConfigException("tracing (OTEL_* settings): " + e.getMessage() + (cause == e ? "" : ": " + cause));
    }
    JdbcUsageStore usageStore = new JdbcUsageStore(database.dataSource());
    this.usage = new UsageRollups(vertx, batch -> watched("usage", () -> usageStore.add(batch)),
        config.usageFlushInterval(), Instant::now);
    Admission admission = admission(vertx, new UsageBaseline(usage, usageStore));
    JdbcRequestLog requestStore = config.requestLogRetention().isPresent()
        ? new JdbcRequestLog(database.dataSource()) : null;
    this.requestLog = requestStore == null ? null : requestLog(vertx, requestStore);

    Pipeline pipeline = new Pipeline();
    if (tracer != null) {
      pipeline.add(tracer); // first: it sets each exchange's trace when it starts
    }
    pipeline.add(new AccessLog(config.accessLog()))
        .stage(AccessPolicy::check)
        .add(identity.responseTaps())
        .add(new MetricsListener(metrics))
        .add(new UsageLedger(usage))
        .add(admission);
    if (requestLog != null) {
      pipeline.add(requestLog); // after admission: told of the end once the request is settled
    }
    pipeline.add(new Metering(estimator, pipeline.recorders()));
    EmbeddingCache embedCache = embeddingCache(aliases);
    if (embedCache != null) {
      pipeline.add(embedCache); // a tap that fills the cache; it answers hits itself (below)
    }
    this.proxy = new ProxyHandler(config, vertx, authenticator, pipeline.stages(), new ModelRouter(registry),
        pipeline.taps(), pipeline.listeners(), aliases, embedCache == null ? AnswerSource.NONE : embedCache);

    UsageRoutes usageRoutes = new UsageRoutes(vertx, authenticator, usageStore, requestStore);
    StatusRoutes status = new StatusRoutes(vertx, probe, authenticator, usageStore,
        new Readiness(vertx, database, registry));
    SelfServiceRoute selfService = new SelfServiceRoute(vertx, authenticator, admission, usageStore,
        config.limits().zone(), identity.stores());
    UpstreamRoutes upstreamRoutes = new UpstreamRoutes(authenticator, registry, reload, aliases);
    AlertRoutes alertRoutes = new AlertRoutes(authenticator, alerts);
    MetricsRoute metricsRoute = new MetricsRoute(metrics, authenticator, config.metricsPublic());
    this.routes = new Routes(List.of(
        new Routes.Entry("request id", Routes.Side.EVERY, // first: even a refused preflight answers with its id
            router -> router.route().handler(Wiring::requestId)),
        new Routes.Entry("CORS", Routes.Side.MAIN, router -> router.route().handler(Cors.handler(
            config.allowedOrigins()))),
        new Routes.Entry("status", Routes.Side.MAIN, router -> {
          router.get("/health").handler(status::health);
          router.get("/ready").handler(status::ready);
        }),
        new Routes.Entry("metrics", Routes.Side.MAIN, router -> router.get("/metrics").handler(metricsRoute)),
        new Routes.Entry("statistics", Routes.Side.MAIN, router -> {
          usageRoutes.mountStats(router);
          router.get("/api/stats").handler(selfService::handle);
        }),
        // before the admin routes: its session check runs first
        new Routes.Entry("web console", Routes.Side.ADMIN, console::mount),
        // before the admin API's /admin/api/* sub-router, which would take these paths
        new Routes.Entry("upstreams", Routes.Side.ADMIN, upstreamRoutes::mount),
        new Routes.Entry("alerts", Routes.Side.ADMIN, alertRoutes::mount),
        new Routes.Entry("usage reports", Routes.Side.ADMIN, usageRoutes::mountAdmin),
        new Routes.Entry("own limits", Routes.Side.ADMIN, router -> router.get(MY_LIMITS).handler(selfService::mine)),
        // the quota proxy's admin paths, kept for its scripts; on the main port those paths are Ollama's
        new Routes.Entry("quota proxy compatibility", Routes.Side.ADMIN_PORT, identity::mountQuotaProxyApi),
        new Routes.Entry("root", Routes.Side.MAIN, router -> router.route("/").handler(status::root)),
        new Routes.Entry("API docs", Routes.Side.EVERY, identity::mountDocs),
        new Routes.Entry("admin API", Routes.Side.ADMIN, identity::mountAdminApi),
        new Routes.Entry("proxy", Routes.Side.MAIN, router -> router.route().handler(ctx -> proxy.handle(
            ctx.request())))));
  }

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
  private Admission admission(Vertx vertx, UsageBaseline baseline) {
    var limits = config.limits();
    Budgets budgets;
    Concurrency concurrency;
    if (redis != null) {
      budgets = new RedisBudgets(vertx, redis, limits.zone(), limits.redisKeyPrefix(), baseline,
          limits.reservationTtl());
      concurrency = new RedisConcurrency(redis, REDIS_LEASE_TTL, limits.redisKeyPrefix());
      LOG.info("limits are counted in Redis, shared with every gateway instance using it");
    } else {
      budgets = new MemoryBudgets(limits.zone(), baseline, limits.resync(), Instant::now);
      concurrency = new MemoryConcurrency();
    }
    // with Redis, windows no limit names go on counting (a limit set again sees the usage in between); the
    // counters in this process are fed by every usage row anyway
    return new Admission(new LimitPlans(limits, redis != null), budgets, concurrency, estimator, new Calibration(),
        limits.outputReserve(), limits.failOpen(), Instant::now, metrics::limited, alerts.quotas());
  }

  /** The embeddings cache: in Redis when {@code REDIS_URL} is set, else in memory; {@code null} when off. */
  private EmbeddingCache embeddingCache(AliasTable aliases) {
    EmbedCacheConfig settings = config.embedCache();
    if (!settings.enabled()) {
      return null;
    }
    EmbeddingStore store = redis != null
        ? new RedisEmbeddingStore(redis, config.limits().redisKeyPrefix(), settings.ttl().toMillis())
        : new MemoryEmbeddingStore(settings.maxBytes(), settings.ttl().toMillis(), System::currentTimeMillis);
    return new EmbeddingCache(store, aliases, settings.shared(), estimator, metrics);
  }

  private RequestLog requestLog(Vertx vertx, JdbcRequestLog store) {
    return new RequestLog(vertx, new RequestLogWriter() {
      @Override
      public void append(List<RequestRecord> batch) {
        watched("request_log", () -> store.append(batch));
      }

      @Override
      public int deleteBefore(Instant cutoff) {
        return store.deleteBefore(cutoff);
      }
    }, config.usageFlushInterval(), config.requestLogRetention().get(), Instant::now);
  }

  /** Gives the request its id ({@link RequestId}), in its response's header, where later handlers read it. */
  private static void requestId(RoutingContext ctx) {
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

  /** Closes Redis, the console, identity and the database. Blocks. */
  void closeStores() {
    if (changeFeed != null) {
      changeFeed.close();
    }
    if (redis != null) {
      redis.close();
    }
    console.close();
    try {
      identity.close();
    } finally {
      database.close();
    }
  }
}
