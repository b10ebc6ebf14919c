package io.ollamagateway.upstream;

import io.ollamagateway.config.UpstreamPolicy;
import io.ollamagateway.config.UpstreamPolicy.KeyStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * The Bearer keys of one upstream and what is known of each: cooling down after a 429 until when, disabled
 * after a 401/403 and why. Chooses the key for a request by the configured {@link KeyStrategy}.
 *
 * <p>A 429 without {@code Retry-After} rests the key for {@code KEY_COOLDOWN}, doubled for each further 429
 * in a row up to {@code KEY_COOLDOWN_MAX}: once the rest is over the key is simply tried again (the probe),
 * and a success resets the doubling.
 *
 * <p>Thread-safe (requests come from every event loop): each method holds the pool's lock for a few
 * field updates only, never across I/O. Time comes from an injectable millisecond clock so tests can let a
 * cooldown expire.
 */
public final class KeyPool {

  /** What is known of one key; {@code index} is what logs, usage records and the admin API show. */
  public record KeyState(int index, String displayPrefix, long cooldownUntilMillis, int consecutiveLimits,
      String disabledReason, String lastError, long requests, long rateLimits) {
  }

  private static final class Key {
    final String secret;
    long cooldownUntil;
    long lastLimitedAt;
    int consecutiveLimits;
    String disabledReason;
    String lastError;
    long requests;
    long rateLimits;

    Key(String secret) {
      this.secret = secret;
    }
  }

  private final List<Key> keys = new ArrayList<>();
  private final KeyStrategy strategy;
  private final long cooldownMillis;
  private final long cooldownMaxMillis;
  private final LongSupplier clock;
  private int current;

  public KeyPool(List<String> secrets, UpstreamPolicy policy, LongSupplier clockMillis) {
    secrets.forEach(s -> keys.add(new Key(s)));
    this.strategy = policy.keyStrategy();
    this.cooldownMillis = policy.keyCooldown().toMillis();
    this.cooldownMaxMillis = policy.keyCooldownMax().toMillis();
    this.clock = clockMillis;
  }

  /** Whether the upstream takes keys at all. */
  public boolean isEmpty() {
    return keys.isEmpty();
  }

  public int size() {
    return keys.size();
  }

  /** The key with this index. Package-private: only a {@link Target} carries the secret onwards. */
  String secret(int index) {
    return keys.get(index).secret;
  }

  /**
   * Takes a key for one request: the index of an available key (not disabled, not cooling down), or empty
   * when there is none.
   */
  public synchronized OptionalInt acquire() {
    long now = clock.getAsLong();
    int n = keys.size();
    int chosen = -1;
    switch (strategy) {
      case STICKY -> {
        for (int i = 0; i < n && chosen < 0; i++) {
          int candidate = (current + i) % n;
          if (available(keys.get(candidate), now)) {
            chosen = candidate;
          }
        }
        if (chosen >= 0) {
          current = chosen;
        }
      }
      case ROUND_ROBIN -> {
        for (int i = 0; i < n && chosen < 0; i++) {
          int candidate = (current + i) % n;
          if (available(keys.get(candidate), now)) {
            chosen = candidate;
          }
        }
        if (chosen >= 0) {
          current = (chosen + 1) % n;
        }
      }
      case LEAST_RECENTLY_LIMITED -> {
        for (int i = 0; i < n; i++) {
          Key key = keys.get(i);
          if (available(key, now) && (chosen < 0 || key.lastLimitedAt < keys.get(chosen).lastLimitedAt)) {
            chosen = i;
          }
        }
      }
      default -> throw new IllegalStateException("unknown strategy " + strategy);
    }
    if (chosen < 0) {
      return OptionalInt.empty();
    }
    keys.get(chosen).requests++;
    return OptionalInt.of(chosen);
  }

  /** An available key without taking it (for health checks), or empty. */
  public synchronized OptionalInt peek() {
    long now = clock.getAsLong();
    for (int i = 0; i < keys.size(); i++) {
      int candidate = (current + i) % keys.size();
      if (available(keys.get(candidate), now)) {
        return OptionalInt.of(candidate);
      }
    }
    return OptionalInt.empty();
  }

  /**
   * The key got a 429: it rests until {@code retryAfter} is over, or, without one, for the doubling default.
   *
   * @return when the key may be used again, epoch millis of the pool's clock
   */
  public synchronized long rateLimited(int index, Duration retryAfter, String message) {
    Key key = keys.get(index);
    long now = clock.getAsLong();
    key.consecutiveLimits++;
    key.rateLimits++;
    key.lastLimitedAt = now;
    key.lastError = "429: " + message;
    long rest;
    if (retryAfter != null) {
      // at least a second: "Retry-After: 0" must not turn the retry loop into a busy loop on one key
      rest = Math.max(1000, retryAfter.toMillis());
    } else {
      int doublings = Math.min(30, key.consecutiveLimits - 1);
      rest = Math.min(cooldownMaxMillis, cooldownMillis << doublings);
      if (rest <= 0) {
        rest = cooldownMaxMillis;
      }
    }
    key.cooldownUntil = Math.max(key.cooldownUntil, now + rest);
    return key.cooldownUntil;
  }

  /** The upstream refused the key itself (401/403): it is not used again until a reload. */
  public synchronized void disable(int index, String reason) {
    Key key = keys.get(index);
    key.disabledReason = reason;
    key.lastError = reason;
  }

  /** Gives disabled keys another chance (a reload: the operator may have fixed the account). */
  public synchronized void enableAll() {
    for (Key key : keys) {
      key.disabledReason = null;
    }
  }

  /** The key worked: the doubling of its next cooldown starts over. */
  public synchronized void succeeded(int index) {
    keys.get(index).consecutiveLimits = 0;
  }

  /** When the first cooling key is usable again, or empty when no key will be (all disabled). */
  public synchronized OptionalLong earliestAvailable() {
    long earliest = Long.MAX_VALUE;
    for (Key key : keys) {
      if (key.disabledReason == null) {
        earliest = Math.min(earliest, key.cooldownUntil);
      }
    }
    return earliest == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(earliest);
  }

  /** A snapshot of every key, for the admin API. Secrets appear only as a short display prefix. */
  public synchronized List<KeyState> states() {
    List<KeyState> states = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      Key key = keys.get(i);
      states.add(new KeyState(i, displayPrefix(key.secret), key.cooldownUntil, key.consecutiveLimits,
          key.disabledReason, key.lastError, key.requests, key.rateLimits));
    }
    return states;
  }

  /** At most the first four characters, and never more than a quarter of the key. */
  static String displayPrefix(String secret) {
    int shown = Math.min(4, secret.length() / 4);
    return secret.substring(0, shown) + "...";
  }

  private static boolean available(Key key, long now) {
    return key.disabledReason == null && key.cooldownUntil <= now;
  }
}
