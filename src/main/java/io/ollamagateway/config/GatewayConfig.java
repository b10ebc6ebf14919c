package io.ollamagateway.config;

import io.ollamagateway.routing.Aliases;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The validated configuration of one gateway process. Immutable; built by {@link ConfigLoader}.
 *
 * @param host address the proxy listens on
 * @param port port the proxy listens on (0: any free port, for tests)
 * @param upstreams the upstream Ollama servers, at least one
 * @param proxyAuthToken the one shared client token, if set
 * @param allowUnauthenticated whether callers without credentials are let through
 * @param allowedOrigins CORS origins allowed to call the gateway from a browser ({@code *} for any)
 * @param maxBodyBytes the largest JSON request body the gateway buffers (blob uploads stream, unlimited)
 * @param upstreamConnectTimeout how long connecting to an upstream may take
 * @param upstreamIdleTimeout how long an upstream may stay silent, before its first byte (model loading) or
 *     between two chunks, before the request fails with 504
 * @param clientIdleTimeout how long a client connection may stay silent before it is closed; zero disables
 * @param shutdownGrace how long running requests may go on after SIGTERM
 * @param accessLog whether one line per request is logged
 * @param upstreamMaxConnections connections each event loop opens at most to each upstream
 * @param eventLoops the number of event-loop threads serving requests
 * @param upstreamPolicy key rotation, cooldowns, health checks and queues of the upstreams
 * @param metricsPublic whether {@code /metrics} answers without admin credentials
 * @param identity the store of users and keys, and the admin listener
 * @param usageFlushInterval {@code USAGE_FLUSH_INTERVAL}: how often collected usage is written to the store
 * @param limits rate limits, quotas and where their counters live
 * @param requestLogRetention {@code REQUEST_LOG_RETENTION} when {@code REQUEST_LOG} is on: one row per request
 *     is kept in the store for this long; empty (the default) keeps only hourly rollups
 * @param tls {@code TLS_CERT_FILE} / {@code TLS_KEY_FILE}: when present, every listener serves HTTPS (and
 *     HTTP/2 by ALPN)
 * @param trustedProxies {@code TRUSTED_PROXIES}: IP addresses and CIDR blocks of the reverse proxies whose
 *     {@code X-Forwarded-For} the gateway believes (see {@code io.ollamagateway.net.TrustedProxies}); empty
 *     (the default) trusts no one
 * @param authFailureLimit {@code AUTH_FAILURE_LIMIT}: failed authentications per minute from one client address
 *     before it gets 429 for a minute; 0 turns the throttle off
 * @param clientLimits what a client may hold while it sends a request: buffered bytes, head and body time
 * @param aliases the {@code aliases:} of the config file: public model names and their ordered targets
 * @param embedCache the embeddings cache's settings
 */
public record GatewayConfig(
    String host,
    int port,
    List<UpstreamConfig> upstreams,
    Optional<String> proxyAuthToken,
    boolean allowUnauthenticated,
    List<String> allowedOrigins,
    long maxBodyBytes,
    Duration upstreamConnectTimeout,
    Duration upstreamIdleTimeout,
    Duration clientIdleTimeout,
    Duration shutdownGrace,
    boolean accessLog,
    int upstreamMaxConnections,
    int eventLoops,
    UpstreamPolicy upstreamPolicy,
    boolean metricsPublic,
    IdentityConfig identity,
    Duration usageFlushInterval,
    LimitsConfig limits,
    Optional<Duration> requestLogRetention,
    Optional<TlsConfig> tls,
    List<String> trustedProxies,
    int authFailureLimit,
    ClientLimits clientLimits,
    Aliases aliases,
    EmbedCacheConfig embedCache) {

  public GatewayConfig {
    trustedProxies = List.copyOf(trustedProxies);
    upstreams = List.copyOf(upstreams);
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  /** A copy with other identity settings; for tests and tools. */
  public GatewayConfig withIdentity(IdentityConfig identity) {
    return new GatewayConfig(host, port, upstreams, proxyAuthToken, allowUnauthenticated, allowedOrigins,
        maxBodyBytes, upstreamConnectTimeout, upstreamIdleTimeout, clientIdleTimeout, shutdownGrace, accessLog,
        upstreamMaxConnections, eventLoops, upstreamPolicy, metricsPublic, identity,
        usageFlushInterval, limits, requestLogRetention, tls, trustedProxies, authFailureLimit,
        clientLimits, aliases, embedCache);
  }

  /** A copy listening on another address; for tests and tools. */
  public GatewayConfig withListen(String host, int port) {
    return new GatewayConfig(host, port, upstreams, proxyAuthToken, allowUnauthenticated, allowedOrigins,
        maxBodyBytes, upstreamConnectTimeout, upstreamIdleTimeout, clientIdleTimeout, shutdownGrace, accessLog,
        upstreamMaxConnections, eventLoops, upstreamPolicy, metricsPublic, identity,
        usageFlushInterval, limits, requestLogRetention, tls, trustedProxies, authFailureLimit,
        clientLimits, aliases, embedCache);
  }

  /** A copy with other embeddings cache settings; for tests and tools. */
  public GatewayConfig withEmbedCache(EmbedCacheConfig embedCache) {
    return new GatewayConfig(host, port, upstreams, proxyAuthToken, allowUnauthenticated, allowedOrigins,
        maxBodyBytes, upstreamConnectTimeout, upstreamIdleTimeout, clientIdleTimeout, shutdownGrace, accessLog,
        upstreamMaxConnections, eventLoops, upstreamPolicy, metricsPublic, identity, usageFlushInterval, limits,
        requestLogRetention, tls, trustedProxies, authFailureLimit, clientLimits, aliases, embedCache);
  }

  /** A copy with other aliases; for tests and tools. */
  public GatewayConfig withAliases(Aliases aliases) {
    return new GatewayConfig(host, port, upstreams, proxyAuthToken, allowUnauthenticated, allowedOrigins,
        maxBodyBytes, upstreamConnectTimeout, upstreamIdleTimeout, clientIdleTimeout, shutdownGrace, accessLog,
        upstreamMaxConnections, eventLoops, upstreamPolicy, metricsPublic, identity, usageFlushInterval, limits,
        requestLogRetention, tls, trustedProxies, authFailureLimit, clientLimits, aliases, embedCache);
  }

  /** A copy with other upstreams and policy, as a reload makes it; for tests and tools. */
  public GatewayConfig withUpstreams(List<UpstreamConfig> upstreams, UpstreamPolicy policy) {
    return new GatewayConfig(host, port, upstreams, proxyAuthToken, allowUnauthenticated, allowedOrigins,
        maxBodyBytes, upstreamConnectTimeout, upstreamIdleTimeout, clientIdleTimeout, shutdownGrace, accessLog,
        upstreamMaxConnections, eventLoops, policy, metricsPublic, identity, usageFlushInterval, limits,
        requestLogRetention, tls, trustedProxies, authFailureLimit,
        clientLimits, aliases, embedCache);
  }
}
