package io.ollamagateway.config;

import java.time.Duration;
import java.util.Locale;

/**
 * How the gateway shares work among upstreams and their keys. Immutable; built by {@link ConfigLoader}.
 *
 * @param keyStrategy which available key a request takes
 * @param keyCooldown how long a key rests after a 429 that carries no {@code Retry-After} (Ollama Cloud sends
 *     none); doubled for each further 429 in a row
 * @param keyCooldownMax the longest such rest (Ollama Cloud's quota window is an hour)
 * @param healthCheckInterval how often every upstream's {@code /api/tags} and {@code /api/ps} are read
 * @param queueSize default number of requests that may wait for a capped upstream
 * @param queueTimeout how long a request may wait in that queue before it gets 503
 */
public record UpstreamPolicy(KeyStrategy keyStrategy, Duration keyCooldown, Duration keyCooldownMax,
    Duration healthCheckInterval, int queueSize, Duration queueTimeout) {

  /** Which key of an upstream a request takes. */
  public enum KeyStrategy {
    /** The key in use stays in use until it is rate limited (the original proxy's behaviour). */
    STICKY,
    /** Each request takes the next available key. */
    ROUND_ROBIN,
    /** The available key whose last 429 is the oldest (never limited first). */
    LEAST_RECENTLY_LIMITED;

    /** Parses {@code sticky}, {@code round-robin} or {@code least-recently-limited}; null when unknown. */
    public static KeyStrategy parse(String text) {
      return switch (text.toLowerCase(Locale.ROOT).replace('_', '-')) {
        case "sticky" -> STICKY;
        case "round-robin" -> ROUND_ROBIN;
        case "least-recently-limited" -> LEAST_RECENTLY_LIMITED;
        default -> null;
      };
    }
  }

  /** Sticky keys, 60 s cooldown up to 1 h, health checks every 15 s, queues of 100 waiting 30 s. */
  public static UpstreamPolicy defaults() {
    return new UpstreamPolicy(KeyStrategy.STICKY, Duration.ofSeconds(60), Duration.ofHours(1),
        Duration.ofSeconds(15), 100, Duration.ofSeconds(30));
  }
}
