package io.ollamagateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's Prometheus metrics: requests, latency and time-to-first-token histograms, tokens and errors,
 * by route family, endpoint, model and upstream. Labels are bounded: endpoints and upstreams come from
 * configuration, statuses are grouped by class, and at most {@value #MAX_MODELS} distinct model names are
 * kept (later ones count as {@code other}), so no client can grow the label space. No label ever holds a
 * key or a user's name.
 *
 * <p>Thread-safe; recording never blocks and may be called from any event loop.
 */
public final class GatewayMetrics {

  static final int MAX_MODELS = 100;
  /** Distinct users counted by {@code gateway_user_tokens}; later ones count as {@code other}. */
  static final int MAX_USERS = 1000;
  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Set<String> models = ConcurrentHashMap.newKeySet();
  // every event loop counts on it, twice per request: an adder, so that they do not contend for one cache line
  private final LongAdder inFlight = new LongAdder();
  private final Map<RequestLabels, RequestMeters> requestMeters = new ConcurrentHashMap<>();
  private final Map<TokenLabels, TokenMeters> tokenMeters = new ConcurrentHashMap<>();
  private final Map<String, Counter> limited = new ConcurrentHashMap<>();
  private final Map<String, Counter> writeFailures = new ConcurrentHashMap<>();
  private final Map<Long, Counter[]> userTokens = new ConcurrentHashMap<>();
  private volatile Supplier<List<UpstreamHealth>> health = List::of;
  private final MultiGauge upGauge = multiGauge("gateway_upstream_up",
      "1 when an upstream passes its health checks, 0 when it is down");
  private final MultiGauge keysGauge = multiGauge("gateway_upstream_keys",
      "An upstream's keys, by state: usable, cooling (rate limited), disabled");

  private volatile Supplier<List<UpstreamQueue>> queues = List::of;
  private final MultiGauge inFlightGauge = multiGauge("gateway_upstream_in_flight",
      "Requests under way at each upstream");
  private final MultiGauge waitingGauge = multiGauge("gateway_upstream_queue_waiting",
      "Requests waiting for a slot at each upstream");
  private final MultiGauge admittedGauge = multiGauge("gateway_upstream_queue_admitted_after_wait",
      "Requests that waited in an upstream's queue, cumulative");
  private final MultiGauge waitTimeGauge = multiGauge("gateway_upstream_queue_wait_seconds",
      "Time requests waited in an upstream's queue, cumulative");
  private final MultiGauge maxWaitGauge = multiGauge("gateway_upstream_queue_wait_max_seconds",
      "The longest wait in an upstream's queue");
  private final MultiGauge refusedGauge = multiGauge("gateway_upstream_queue_refused",
      "Requests refused with 503 by an upstream's full queue or queue timeout, cumulative");

  public GatewayMetrics() {
    registry.gauge("gateway_requests_in_flight", inFlight, LongAdder::sum);
    // at 0 from the start, so that an alert on their increase has a series to watch before the first failure
    usageWriteFailures("usage");
    usageWriteFailures("request_log");
  }

  private MultiGauge multiGauge(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  /** A proxied request started. */
  public void started() {
    inFlight.increment();
  }

  /**
   * A proxied request finished.
   *
   * @param family the API family ({@code native}, {@code openai}, {@code anthropic})
   * @param endpoint the endpoint name
   * @param model the requested model, or {@code null}
   * @param upstream the upstream's name, or {@code null} if it never got that far
   * @param status the status the client saw (499 when it went away)
   * @param durationNanos time from accepting the request to its end
   * @param firstByteNanos time to the first byte of the answer, or 0 if none was sent
   */
  public void finished(String family, String endpoint, String model, String upstream, int status,
      long durationNanos, long firstByteNanos) {
    inFlight.decrement();
    RequestMeters meters = requestMeters.computeIfAbsent(
        new RequestLabels(family, endpoint, model(model), upstream == null ? "none" : upstream, status),
        this::requestMeters);
    meters.requests().increment();
    if (meters.errors() != null) {
      meters.errors().increment();
    }
    meters.duration().record(durationNanos, TimeUnit.NANOSECONDS);
    if (firstByteNanos > 0) {
      meters.firstByte().record(firstByteNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Tokens an answer cost. */
  public void tokens(String model, String upstream, long prompt, long completion, boolean estimated) {
    TokenMeters meters = tokenMeters.computeIfAbsent(
        new TokenLabels(model(model), upstream == null ? "none" : upstream, estimated), this::tokenMeters);
    meters.prompt().increment(prompt);
    meters.completion().increment(completion);
  }

  /**
   * A request refused by a limit: {@code limit} names it ({@code tokens per day}, {@code concurrent requests},
   * {@code limits store unavailable}), a small fixed set, never a key or a user.
   */
  public void limited(String limit) {
    limited.computeIfAbsent(limit, l -> Counter.builder("gateway_limited")
        .description("Requests refused by a rate limit, quota or concurrency cap").tag("limit", l)
        .register(registry)).increment();
  }

  /**
   * Tokens a user's answer cost, by the user's numeric id (never a name): {@code gateway_user_tokens}. At
   * most {@value #MAX_USERS} users are told apart.
   */
  public void userTokens(Long userId, long prompt, long completion) {
    if (userId == null) {
      return;
    }
    Counter[] counters = userTokens.get(userId);
    if (counters == null) {
      long key = userTokens.size() < MAX_USERS ? userId : -1L;
      counters = userTokens.computeIfAbsent(key, id -> new Counter[] {
          Counter.builder("gateway_user_tokens").description("Tokens metered, by user id")
              .tag("user", id < 0 ? "other" : id.toString()).tag("type", "prompt").register(registry),
          Counter.builder("gateway_user_tokens").description("Tokens metered, by user id")
              .tag("user", id < 0 ? "other" : id.toString()).tag("type", "completion").register(registry)});
    }
    counters[0].increment(prompt);
    counters[1].increment(completion);
  }

  /** A batch of usage rows or request log records that could not be written ({@code store}: a fixed name). */
  public void usageWriteFailed(String store) {
    usageWriteFailures(store).increment();
  }

  private Counter usageWriteFailures(String store) {
    return writeFailures.computeIfAbsent(store, s -> Counter.builder("gateway_usage_write_failures")
        .description("Usage or request log batches the store refused (kept in memory for the next flush)")
        .tag("store", s).register(registry));
  }

  /**
   * The health of one upstream and its key pool, read when metrics are scraped.
   *
   * @param keysUsable keys that can be used now; {@code keysCooling} rate limited for a while;
   *     {@code keysDisabled} refused by the upstream
   */
  public record UpstreamHealth(String upstream, boolean up, int keysUsable, int keysCooling, int keysDisabled) {
  }

  /** Where to read the upstreams' health and key pools from. */
  public void watchHealth(Supplier<List<UpstreamHealth>> health) {
    this.health = health;
  }

  // Meters are looked up once per label set and kept: building and registering them per request costs more
  // than the rest of the bookkeeping together. Label sets are bounded (see the class comment).

  private record RequestLabels(String family, String endpoint, String model, String upstream, int status) {
    // Written out because this is a map key looked up on every request: the generated equals and hashCode
    // went through method handles that showed in profiles.
    @Override
    public boolean equals(Object other) {
      return other instanceof RequestLabels l && status == l.status && endpoint.equals(l.endpoint)
          && model.equals(l.model) && upstream.equals(l.upstream) && family.equals(l.family);
    }

    @Override
    public int hashCode() {
      return (((family.hashCode() * 31 + endpoint.hashCode()) * 31 + model.hashCode()) * 31
          + upstream.hashCode()) * 31 + status;
    }
  }

  private record RequestMeters(Counter requests, Counter errors, Timer duration, Timer firstByte) {
  }

  private record TokenLabels(String model, String upstream, boolean estimated) {
    // written out for the same reason as RequestLabels'
    @Override
    public boolean equals(Object other) {
      return other instanceof TokenLabels l && estimated == l.estimated && model.equals(l.model)
          && upstream.equals(l.upstream);
    }

    @Override
    public int hashCode() {
      return (model.hashCode() * 31 + upstream.hashCode()) * 2 + (estimated ? 1 : 0);
    }
  }

  private record TokenMeters(Counter prompt, Counter completion) {
  }

  private RequestMeters requestMeters(RequestLabels labels) {
    Tags tags = Tags.of("family", labels.family(), "endpoint", labels.endpoint(), "model", labels.model(),
        "upstream", labels.upstream());
    int status = labels.status();
    Counter requests = Counter.builder("gateway_requests").description("Proxied requests by outcome")
        .tags(tags).tag("status", statusClass(status)).register(registry);
    Counter errors = status >= 500 || status == 499
        ? Counter.builder("gateway_errors").description("Requests that failed upstream, in the gateway, or were "
            + "abandoned by the client").tags(tags).tag("status", String.valueOf(status)).register(registry)
        : null;
    Timer duration = Timer.builder("gateway_request_duration").description("Time from request to end of answer")
        .tags(tags).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    Timer firstByte = Timer.builder("gateway_time_to_first_token")
        .description("Time from request to first byte of the answer")
        .tags(tags).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    return new RequestMeters(requests, errors, duration, firstByte);
  }

  private TokenMeters tokenMeters(TokenLabels labels) {
    Tags tags = Tags.of("model", labels.model(), "upstream", labels.upstream(),
        "estimated", String.valueOf(labels.estimated()));
    return new TokenMeters(
        Counter.builder("gateway_tokens").description("Tokens metered").tags(tags).tag("type", "prompt")
            .register(registry),
        Counter.builder("gateway_tokens").description("Tokens metered").tags(tags).tag("type", "completion")
            .register(registry));
  }

  /**
   * The state of one upstream's concurrency gate, read when metrics are scraped.
   *
   * @param totalWaitMillis total time requests waited in its queue (cumulative)
   * @param maxWaitMillis the longest wait so far
   */
  public record UpstreamQueue(String upstream, int inFlight, int waiting, long admittedAfterWait,
      long totalWaitMillis, long maxWaitMillis, long rejected, long timedOut) {
  }

  /**
   * Where to read the upstreams' queues from. Upstreams come and go with reloads, so their gauges are
   * rebuilt at each scrape rather than registered once.
   */
  public void watchUpstreams(Supplier<List<UpstreamQueue>> queues) {
    this.queues = queues;
  }

  /** The Prometheus text exposition of every metric. */
  public synchronized String scrape() {
    List<UpstreamQueue> now = queues.get();
    upstreamGauge(inFlightGauge, now, q -> q.inFlight());
    upstreamGauge(waitingGauge, now, q -> q.waiting());
    upstreamGauge(admittedGauge, now, q -> q.admittedAfterWait());
    upstreamGauge(waitTimeGauge, now, q -> q.totalWaitMillis() / 1000.0);
    upstreamGauge(maxWaitGauge, now, q -> q.maxWaitMillis() / 1000.0);
    upstreamGauge(refusedGauge, now, q -> q.rejected() + q.timedOut());
    List<UpstreamHealth> states = health.get();
    upGauge.register(states.stream().map(h -> MultiGauge.Row.of(Tags.of("upstream", h.upstream()),
        h.up() ? 1 : 0)).collect(Collectors.toList()), true);
    keysGauge.register(states.stream().flatMap(h -> java.util.stream.Stream.of(
        MultiGauge.Row.of(Tags.of("upstream", h.upstream(), "state", "usable"), h.keysUsable()),
        MultiGauge.Row.of(Tags.of("upstream", h.upstream(), "state", "cooling"), h.keysCooling()),
        MultiGauge.Row.of(Tags.of("upstream", h.upstream(), "state", "disabled"), h.keysDisabled())))
        .collect(Collectors.toList()), true);
    return registry.scrape();
  }

  private static void upstreamGauge(MultiGauge gauge, List<UpstreamQueue> queues,
      java.util.function.ToDoubleFunction<UpstreamQueue> value) {
    gauge.register(queues.stream()
        .map(q -> MultiGauge.Row.of(Tags.of("upstream", q.upstream()), value.applyAsDouble(q)))
        .collect(Collectors.toList()), true);
  }

  private String model(String model) {
    if (model == null || model.isBlank()) {
      return "none";
    }
    if (models.contains(model)) {
      return model;
    }
    if (models.size() < MAX_MODELS && models.add(model)) {
      return model;
    }
    return models.contains(model) ? model : "other";
  }

  private static String statusClass(int status) {
    return status == 499 ? "499" : (status / 100) + "xx";
  }

  /**
   * What the embeddings cache did for one request: inputs found and not found, and the (estimated) tokens of the
   * inputs found, which no upstream computed.
   */
  public void embeddingCache(long hits, long misses, long cachedTokens) {
    if (hits > 0) {
      Counter.builder("gateway_embedding_cache_inputs").description("Embedding inputs looked up in the cache")
          .tag("result", "hit").register(registry).increment(hits);
      Counter.builder("gateway_embedding_cache_tokens").description("Estimated tokens of embedding inputs answered "
          + "from the cache (not upstream tokens)").register(registry).increment(cachedTokens);
    }
    if (misses > 0) {
      Counter.builder("gateway_embedding_cache_inputs").description("Embedding inputs looked up in the cache")
          .tag("result", "miss").register(registry).increment(misses);
    }
  }
}
