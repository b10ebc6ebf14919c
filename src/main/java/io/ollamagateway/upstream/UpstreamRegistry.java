package io.ollamagateway.upstream;

import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.config.UpstreamPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstreams as they are now: an immutable snapshot of {@link Upstream}s, swapped whole by
 * {@link #reload}, and a background health check that reads each upstream's {@code /api/tags} and
 * {@code /api/ps} every {@code HEALTH_CHECK_INTERVAL}. An upstream that does not answer (or answers 5xx)
 * leaves the rotation until a check finds it well again.
 *
 * <p>Health checks use an available key but judge only the upstream, never the key: a 429 or 401 to a health
 * check counts as "reachable" and leaves the key pool alone. A key is judged by {@link #checkKey} alone, made
 * when a real request with it was refused (401/403): only when that check is refused too is the key bad (a
 * refusal of one request may be about its model or the account, not the key).
 *
 * <p>A reload keeps the live state (key cooldowns, queue, catalogue) of every upstream whose configuration did
 * not change, but gives its disabled keys another chance; requests under way keep the {@link Target} they
 * started with and finish on it.
 *
 * <p>Thread-safe; never blocks: health checks run on a Vert.x event loop with the shared HTTP client.
 */
public final class UpstreamRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamRegistry.class);

  /** One consistent view of the configured upstreams. */
  public record Snapshot(List<Upstream> upstreams, UpstreamPolicy policy) {
    public Snapshot {
      upstreams = List.copyOf(upstreams);
    }
  }

  private final Vertx vertx;
  private final HttpClient client;
  private final LongSupplier clock;
  private final long probeTimeoutMillis;
  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
  private final Map<String, Future<Integer>> keyChecks = new java.util.concurrent.ConcurrentHashMap<>();
  private long timerId = -1;

  public UpstreamRegistry(Vertx vertx, HttpClient client, List<UpstreamConfig> upstreams, UpstreamPolicy policy,
      LongSupplier clockMillis, Duration probeTimeout) {
    this.vertx = vertx;
    this.client = client;
    this.clock = clockMillis;
    this.probeTimeoutMillis = Math.max(1, probeTimeout.toMillis());
    snapshot.set(build(upstreams, policy, List.of()));
  }

  public Snapshot snapshot() {
    return snapshot.get();
  }

  public LongSupplier clock() {
    return clock;
  }

  /** Reads every upstream once and then starts the periodic health check. */
  public synchronized Future<Void> start() {
    scheduleChecks(snapshot.get().policy().healthCheckInterval());
    return checkAll(snapshot.get());
  }

  public synchronized void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /**
   * Replaces the upstreams. New upstreams are checked once before they take traffic; unchanged ones keep
   * their state. Completes when the new snapshot is in place.
   */
  public Future<Void> reload(List<UpstreamConfig> upstreams, UpstreamPolicy policy) {
    Snapshot old = snapshot.get();
    Snapshot next = build(upstreams, policy, old.policy().equals(policy) ? old.upstreams() : List.of());
    List<Upstream> fresh = next.upstreams().stream().filter(u -> !old.upstreams().contains(u)).toList();
    return checkAll(new Snapshot(fresh, policy)).onComplete(ar -> {
      snapshot.set(next);
      synchronized (this) {
        stop();
        scheduleChecks(policy.healthCheckInterval());
      }
      LOG.info("upstreams reloaded: {} ({} new or changed)", next.upstreams().stream().map(Upstream::name)
          .toList(), fresh.size());
    });
  }

  private Snapshot build(List<UpstreamConfig> configs, UpstreamPolicy policy, List<Upstream> reusable) {
    List<Upstream> upstreams = new ArrayList<>();
    for (UpstreamConfig config : configs) {
      Upstream same = reusable.stream().filter(u -> u.config().equals(config)).findFirst().orElse(null);
      if (same != null) {
        same.keys().enableAll();
      }
      upstreams.add(same != null ? same : new Upstream(vertx, config, policy, clock));
    }
    return new Snapshot(upstreams, policy);
  }

  private void scheduleChecks(Duration interval) {
    timerId = vertx.setPeriodic(interval.toMillis(), id -> checkAll(snapshot.get()));
  }

  /** Checks the upstreams of a snapshot; completes when all are checked (never fails). */
  public Future<Void> checkAll(Snapshot of) {
    List<Future<Void>> checks = of.upstreams().stream().map(this::check).toList();
    return Future.join(checks).<Void>mapEmpty().otherwiseEmpty();
  }

  private Future<Void> check(Upstream upstream) {
    if (upstream.config().openAi()) {
      return checkOpenAi(upstream);
    }
    return get(upstream, "/api/tags").compose(tags -> {
      long now = clock.getAsLong();
      if (tags.status() >= 500) {
        markUnhealthy(upstream, "health check: /api/tags answered HTTP " + tags.status());
        return Future.succeededFuture();
      }
      if (!upstream.healthy()) {
        LOG.info("upstream '{}' is healthy again", upstream.name());
      }
      upstream.healthy(now);
      if (tags.status() == 200 && tags.body() != null) {
        Map<String, JsonObject> entries = new LinkedHashMap<>();
        JsonArray models = tags.body().getJsonArray("models", new JsonArray());
        for (Object m : models) {
          if (m instanceof JsonObject entry && entry.getString("name", entry.getString("model")) != null) {
            entries.put(Upstream.normalize(entry.getString("name", entry.getString("model"))), entry);
          }
        }
        upstream.catalogue(entries);
      }
      return get(upstream, "/api/ps").map(ps -> {
        Set<String> loaded = new HashSet<>();
        if (ps.status() == 200 && ps.body() != null) {
          for (Object m : ps.body().getJsonArray("models", new JsonArray())) {
            if (m instanceof JsonObject entry && entry.getString("name", entry.getString("model")) != null) {
              loaded.add(Upstream.normalize(entry.getString("name", entry.getString("model"))));
            }
          }
        }
        upstream.loadedModels(loaded);
        return (Void) null;
      }).otherwiseEmpty();
    }, err -> {
      markUnhealthy(upstream, "health check: " + UpstreamProbe.describe(err));
      return Future.succeededFuture();
    });
  }

  /**
   * An OpenAI-compatible upstream's check: {@code GET /v1/models}, whose ids become its catalogue (as
   * {@code /api/tags} entries, so that the gateway can list them to Ollama clients). It has no {@code /api/ps}.
   */
  private Future<Void> checkOpenAi(Upstream upstream) {
    return get(upstream, "/v1/models").compose(list -> {
      if (list.status() >= 500) {
        markUnhealthy(upstream, "health check: /v1/models answered HTTP " + list.status());
        return Future.succeededFuture();
      }
      if (!upstream.healthy()) {
        LOG.info("upstream '{}' is healthy again", upstream.name());
      }
      upstream.healthy(clock.getAsLong());
      if (list.status() == 200 && list.body() != null) {
        Map<String, JsonObject> entries = new LinkedHashMap<>();
        for (Object m : list.body().getJsonArray("data", new JsonArray())) {
          if (m instanceof JsonObject entry && entry.getValue("id") instanceof String id && !id.isBlank()) {
            entries.put(Upstream.normalize(id), new JsonObject().put("name", id).put("model", id)
                .put("modified_at", "1970-01-01T00:00:00Z").put("size", 0L).put("digest", "")
                .put("details", new JsonObject().put("format", "openai")));
          }
        }
        upstream.catalogue(entries);
      }
      return Future.<Void>succeededFuture();
    }, err -> {
      markUnhealthy(upstream, "health check: " + UpstreamProbe.describe(err));
      return Future.succeededFuture();
    });
  }

  /** Takes an upstream out of the rotation until a health check finds it well (also after a failed connect). */
  void markUnhealthy(Upstream upstream, String error) {
    if (upstream.healthy()) {
      LOG.warn("upstream '{}' ({}) is unhealthy: {}", upstream.name(), upstream.config().displayUrl(), error);
    }
    upstream.unhealthy(error, clock.getAsLong());
  }

  private record Answer(int status, JsonObject body) {
  }

  private Future<Answer> get(Upstream upstream, String path) {
    UpstreamConfig config = upstream.config();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(config.host())
        .setPort(config.port())
        .setSsl(config.ssl())
        .setURI(config.basePath() + path)
        .setConnectTimeout(probeTimeoutMillis)
        .setIdleTimeout(probeTimeoutMillis);
    OptionalInt key = upstream.keys().peek();
    if (key.isPresent()) {
      options.addHeader("Authorization", "Bearer " + upstream.keys().secret(key.getAsInt()));
    }
    // body() is asked for in the very callback that receives the response, on the response's own context: a
    // later callback (a step further down a flat chain) may run after the body has gone by, and the body is
    // then empty (seen at start-up, when the check is started from a thread that is not an event loop)
    return client.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(body -> {
          JsonObject json = null;
          try {
            json = resp.statusCode() == 200 ? body.toJsonObject() : null;
          } catch (RuntimeException notJson) {
            // a catalogue that cannot be read is no catalogue
          }
          return new Answer(resp.statusCode(), json);
        })));
  }

  /** The path of the key check: cheap, authenticated on Ollama Cloud, and served by every Ollama. */
  static final String KEY_CHECK_PATH = "/api/tags";

  /**
   * Checks one key alone, after the upstream refused a request made with it (401/403): {@code GET /api/tags}
   * with that key and nothing else. Completes with the check's HTTP status, or fails when the upstream could
   * not be asked (then nothing is known about the key). Concurrent checks of one key share one request.
   */
  Future<Integer> checkKey(Upstream upstream, int keyIndex) {
    String id = upstream.name() + "#" + keyIndex + "@" + System.identityHashCode(upstream);
    Future<Integer> pending = keyChecks.get(id);
    if (pending != null) {
      return pending;
    }
    UpstreamConfig config = upstream.config();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(config.host())
        .setPort(config.port())
        .setSsl(config.ssl())
        .setURI(config.basePath() + (config.openAi() ? "/v1/models" : KEY_CHECK_PATH))
        .setConnectTimeout(probeTimeoutMillis)
        .setIdleTimeout(probeTimeoutMillis)
        .addHeader("Authorization", "Bearer " + upstream.keys().secret(keyIndex));
    Future<Integer> check = client.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())));
    Future<Integer> shared = keyChecks.putIfAbsent(id, check);
    if (shared != null) {
      return shared;
    }
    check.onComplete(ar -> keyChecks.remove(id, check));
    return check;
  }

  /** Every upstream and key with health, in-flight, queue, cooldown and last error; never a secret. */
  public JsonObject toJson() {
    Snapshot now = snapshot.get();
    long nowMillis = clock.getAsLong();
    JsonArray list = new JsonArray();
    for (Upstream upstream : now.upstreams()) {
      ConcurrencyGate.Stats gate = upstream.gate().stats();
      JsonArray keys = new JsonArray();
      for (KeyPool.KeyState key : upstream.keys().states()) {
        boolean cooling = key.cooldownUntilMillis() > nowMillis;
        keys.add(new JsonObject()
            .put("index", key.index())
            .put("prefix", key.displayPrefix())
            .put("state", key.disabledReason() != null ? "disabled" : cooling ? "cooling_down" : "available")
            .put("cooldown_until", cooling ? Instant.ofEpochMilli(key.cooldownUntilMillis()).toString() : null)
            .put("consecutive_rate_limits", key.consecutiveLimits())
            .put("disabled_reason", key.disabledReason())
            .put("last_error", key.lastError())
            .put("requests", key.requests())
            .put("rate_limits", key.rateLimits()));
      }
      UpstreamConfig config = upstream.config();
      list.add(new JsonObject()
          .put("name", upstream.name())
          .put("url", config.displayUrl())
          .put("healthy", upstream.healthy())
          .put("last_error", upstream.lastError())
          .put("last_check", upstream.lastCheckMillis() == 0 ? null
              : Instant.ofEpochMilli(upstream.lastCheckMillis()).toString())
          .put("weight", config.weight())
          .put("max_concurrent", config.maxConcurrent())
          .put("in_flight", gate.inFlight())
          .put("queue", new JsonObject()
              .put("size", config.queueSize())
              .put("waiting", gate.queued())
              .put("admitted_after_wait", gate.admittedAfterWait())
              .put("total_wait_ms", gate.totalWaitMillis())
              .put("max_wait_ms", gate.maxWaitMillis())
              .put("rejected_full", gate.rejected())
              .put("timed_out", gate.timedOut()))
          .put("model_patterns", new JsonArray(config.models()))
          .put("models", new JsonArray(upstream.modelNames()))
          .put("keys", keys));
    }
    UpstreamPolicy policy = now.policy();
    return new JsonObject()
        .put("key_strategy", policy.keyStrategy().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
        .put("upstreams", list);
  }
}
