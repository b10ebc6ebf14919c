package io.ollamagateway.alerts;

import io.ollamagateway.api.RequestId;
import io.ollamagateway.config.ObservabilityConfig;
import io.ollamagateway.config.WebhookConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts by webhook: the gateway reports what it sees here (quota use, upstream health, key pools, usage
 * writes), and each change of state becomes one event, posted to every webhook that wants its type, signed,
 * retried, and kept in the delivery log. An event fires once per crossing, never per request: 80% of a quota
 * fires once in its window, and again only in the next window; an upstream fires {@code upstream.down} when
 * it goes down and {@code upstream.up} when it comes back.
 *
 * <p>The reporting methods may be called from any thread, event loops included: they compare with the last
 * state in a concurrent map and, on a crossing only, hand the event to the sender's own context. Without
 * webhooks they return at once.
 *
 * <p>Event types: {@code quota.warning} (80%), {@code quota.exhausted} (100%), {@code upstream.down},
 * {@code upstream.up}, {@code key_pool.exhausted}, {@code key_pool.recovered}, {@code usage.write_failed},
 * {@code usage.write_recovered}.
 */
public final class Alerts {

  private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);

  /** What {@link #watch} samples of one upstream. */
  public record UpstreamState(String name, boolean healthy, String lastError, boolean hasKeys,
      boolean keyUsable) {
  }

  /** Told of quota use by the limits; {@link #NONE} does nothing. Called on event loops; must not block. */
  public interface QuotaListener {
    QuotaListener NONE = (subject, quota, window, used, limit) -> {
    };

    /**
     * What {@code subject} ({@code user:7}, {@code key:12}) has used of one quota ({@code tokens per day}) in
     * the window that ends at {@code window}, counting what running requests reserved.
     */
    void quota(String subject, String quota, String window, long used, long limit);
  }

  private final List<WebhookConfig> hooks;
  private final WebhookSender sender;
  private final Clock clock;
  private final Map<String, String> quotaLevels = new ConcurrentHashMap<>();
  private final Map<String, Boolean> states = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private long watchTimer = -1;

  /** Alerts to the webhooks of {@code config}; with none, every method returns at once. */
  public Alerts(Vertx vertx, ObservabilityConfig config, Clock clock, String version) {
    this.vertx = vertx;
    this.hooks = config.webhooks();
    this.clock = clock;
    this.sender = hooks.isEmpty() ? null : new WebhookSender(vertx, clock, config.retryDelay(),
        config.maxAttempts(), version);
    if (!hooks.isEmpty()) {
      LOG.info("alerts go to {} webhook(s): {}", hooks.size(), hooks);
    }
  }

  /** Whether any webhook is configured. */
  public boolean enabled() {
    return sender != null;
  }

  /** The webhooks, for the admin API (never their secrets). */
  public List<WebhookConfig> webhooks() {
    return hooks;
  }

  /** The listener the limits report quota use to. */
  public QuotaListener quotas() {
    return enabled() ? this::quota : QuotaListener.NONE;
  }

  /** Reports quota use: fires {@code quota.warning} at 80% and {@code quota.exhausted} at 100%, once each. */
  public void quota(String subject, String quota, String window, long used, long limit) {
    if (sender == null || limit <= 0 || used * 5 < limit * 4) {
      return;
    }
    String level = used >= limit ? "100" : "80";
    boolean[] crossed = {false};
    quotaLevels.compute(subject + "|" + quota, (key, previous) -> {
      if (previous != null && previous.startsWith(window + "|")) {
        String fired = previous.substring(window.length() + 1);
        if (fired.equals("100") || fired.equals(level)) {
          return previous; // this level (or the higher one) already fired in this window
        }
      }
      crossed[0] = true;
      return window + "|" + level;
    });
    if (!crossed[0]) {
      return;
    }
    emit(level.equals("100") ? "quota.exhausted" : "quota.warning", new JsonObject()
        .put("subject", subject).put("quota", quota).put("window_end", window).put("used", used)
        .put("limit", limit).put("percent", limit == 0 ? 100 : (int) Math.min(100, used * 100 / limit)));
  }

  /** Reports an upstream's health: {@code upstream.down} and {@code upstream.up} on each change. */
  public void upstreamHealth(String upstream, boolean healthy, String reason) {
    if (changed("upstream:" + upstream, healthy)) {
      emit(healthy ? "upstream.up" : "upstream.down", new JsonObject().put("upstream", upstream)
          .put("reason", healthy ? null : reason));
    }
  }

  /** Reports whether an upstream's key pool has a usable key: {@code key_pool.exhausted} / {@code recovered}. */
  public void keyPool(String upstream, boolean usable) {
    if (changed("keys:" + upstream, usable)) {
      emit(usable ? "key_pool.recovered" : "key_pool.exhausted", new JsonObject().put("upstream", upstream));
    }
  }

  /** Reports a usage write: {@code usage.write_failed} on the first failure, {@code recovered} after. */
  public void usageWrites(String store, boolean ok, String reason) {
    if (changed("writes:" + store, ok)) {
      emit(ok ? "usage.write_recovered" : "usage.write_failed", new JsonObject().put("store", store)
          .put("reason", ok ? null : reason));
    }
  }

  /**
   * Samples the upstreams every {@code period}: their health and key pools. Off the hot path: the sample
   * runs on a timer.
   */
  public void watch(Supplier<List<UpstreamState>> upstreams, Duration period) {
    if (sender == null) {
      return;
    }
    watchTimer = vertx.setPeriodic(Math.max(100, period.toMillis()), t -> {
      for (UpstreamState state : upstreams.get()) {
        upstreamHealth(state.name(), state.healthy(), state.lastError());
        if (state.hasKeys()) {
          keyPool(state.name(), state.keyUsable());
        }
      }
    });
  }

  /** The newest deliveries first (at most the last 200). */
  public Future<List<Delivery>> deliveries() {
    return sender == null ? Future.succeededFuture(List.of()) : sender.deliveries();
  }

  /** Sends a delivery again now; empty when it is not in the log. */
  public Future<Optional<Delivery>> retry(String deliveryId) {
    return sender == null ? Future.succeededFuture(Optional.empty()) : sender.retry(deliveryId);
  }

  /** Stops watching and retrying. */
  public Future<Void> close() {
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
    }
    return sender == null ? Future.succeededFuture() : sender.close();
  }

  /** Whether {@code key}'s state differs from the last one seen (the first state seen counts as fine). */
  private boolean changed(String key, boolean ok) {
    if (sender == null) {
      return false;
    }
    Boolean previous = states.put(key, ok);
    return previous == null ? !ok : previous != ok;
  }

  private void emit(String type, JsonObject data) {
    String eventId = "evt_" + RequestId.generate();
    String body = new JsonObject().put("id", eventId).put("type", type).put("created_at",
        clock.instant().toString()).put("data", data).encode();
    LOG.info("alert {}: {}", type, data.encode());
    for (WebhookConfig hook : hooks) {
      if (hook.wants(type)) {
        sender.send(hook, "dlv_" + RequestId.generate(), eventId, type, body);
      }
    }
  }
}
