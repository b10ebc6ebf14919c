package io.ollamagateway.admin;

import io.ollamagateway.auth.ApiKeyAuthenticator;
import io.ollamagateway.auth.ApiKeys;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.PasswordChecks;
import io.ollamagateway.auth.StaticAuthenticator;
import io.ollamagateway.auth.ThrottledAuthenticator;
import io.ollamagateway.net.TrustedProxies;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.IdentityConfig;
import io.ollamagateway.policy.ModelListFilter;
import io.ollamagateway.proxy.ResponseTap;
import io.ollamagateway.store.Database;
import io.ollamagateway.store.Stores;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything identity brings to a running gateway, wired by hand: the repositories over the database the
 * composition root opened, the API key authenticator (in front of the static modes), the model list filter,
 * the admin API and the API docs.
 *
 * <p>{@link #open} and {@link #close} block (key loading, last-use writes): call them off event loops.
 */
public final class Identity {

  private static final Logger LOG = LoggerFactory.getLogger(Identity.class);

  private final Stores stores;
  private final ApiKeyAuthenticator authenticator;
  private final ThrottledAuthenticator guarded;
  private final PasswordChecks passwordChecks;
  private final AdminApi adminApi;
  private final ApiDocs docs;
  private final QuotaProxyApi quotaProxyApi;
  private final TrustedProxies proxies;

  private Identity(Stores stores, ApiKeyAuthenticator authenticator,
      ThrottledAuthenticator guarded, PasswordChecks passwordChecks, AdminApi adminApi, ApiDocs docs,
      QuotaProxyApi quotaProxyApi, TrustedProxies proxies) {
    this.quotaProxyApi = quotaProxyApi;
    this.proxies = proxies;
    this.stores = stores;
    this.authenticator = authenticator;
    this.guarded = guarded;
    this.passwordChecks = passwordChecks;
    this.adminApi = adminApi;
    this.docs = docs;
  }

  /**
   * Loads the keys from {@code database} (opened and migrated by the caller, who closes it) and starts the
   * authenticator's timers, telling {@code announce} of every change made through this gateway too (so that
   * other instances hear of it).
   *
   * @throws io.ollamagateway.store.StoreException when the store cannot be used
   */
  public static Identity open(Vertx vertx, GatewayConfig config, Database database,
      IdentityService.Invalidation announce) {
    IdentityConfig identity = config.identity();
    Clock clock = Clock.systemUTC();
    Stores stores = Stores.of(database, clock);
    Authenticator fallback = new StaticAuthenticator(config.proxyAuthToken(), config.allowUnauthenticated());
    ApiKeyAuthenticator authenticator = new ApiKeyAuthenticator(vertx, stores.keys(), fallback, clock,
        identity.keyRefresh(), Duration.ofSeconds(10), stores.audit()::latestId, identity.changePoll());
    authenticator.start();
    IdentityService service = new IdentityService(stores, new ApiKeys(), clock, new IdentityService.Invalidation() {
      @Override
      public void keyChanged(long keyId) {
        authenticator.invalidateKey(keyId);
        announce.keyChanged(keyId);
      }

      @Override
      public void userChanged(long userId) {
        authenticator.invalidateUser(userId);
        announce.userChanged(userId);
      }
    });
    LOG.info("identity store: {}", database.description());
    TrustedProxies proxies = TrustedProxies.of(config.trustedProxies());
    ThrottledAuthenticator guarded = new ThrottledAuthenticator(authenticator, proxies, clock::millis,
        config.authFailureLimit());
    PasswordChecks passwordChecks = new PasswordChecks(vertx);
    return new Identity(stores, authenticator, guarded, passwordChecks,
        new AdminApi(vertx, guarded, service, clock, passwordChecks, identity.rotationGraceCap()),
        new ApiDocs(),
        new QuotaProxyApi(vertx, guarded, service, clock, passwordChecks), proxies);
  }

  /** Where passwords are hashed, a few at a time (shared by the admin API and the web console). */
  public PasswordChecks passwordChecks() {
    return passwordChecks;
  }

  /** Who tells the real client address ({@code TRUSTED_PROXIES}). */
  public TrustedProxies trustedProxies() {
    return proxies;
  }

  /** The repositories, for the self-service reads of other capabilities (a user's keys and quota). */
  public Stores stores() {
    return stores;
  }

  public ApiKeyAuthenticator authenticator() {
    return authenticator;
  }

  /**
   * The authenticator for requests: {@link #authenticator()} behind the per-address throttle of failed
   * authentication. Every route that authenticates a request uses this one.
   */
  public Authenticator requestAuthenticator() {
    return guarded;
  }

  /** Filters model lists for keys with an allowlist. */
  public ResponseTap.Factory responseTaps() {
    return new ModelListFilter();
  }

  /** Adds the API docs ({@code /openapi.json}, {@code /docs}, {@code /redoc}). */
  public void mountDocs(Router router) {
    docs.mount(router);
  }

  /**
   * Adds the admin API under {@link AdminApi#PREFIX}, as one sub-router: mount the routes that share its prefix
   * (the console's session check, usage, upstreams...) before it.
   */
  public void mountAdminApi(Router router) {
    router.route(AdminApi.PREFIX + "*").subRouter(adminApi.router());
  }

  /**
   * Adds the quota proxy's admin routes ({@link QuotaProxyApi}: {@code /api/users}, {@code /api/api-keys},
   * {@code /api/quotas}). Only on the admin listener: on the main port those paths are Ollama's.
   */
  public void mountQuotaProxyApi(Router router) {
    quotaProxyApi.mount(router);
  }

  /** Writes pending last-use times and stops the timers; the database stays open. Blocks. */
  public void close() {
    passwordChecks.close();
    authenticator.stop();
  }
}
