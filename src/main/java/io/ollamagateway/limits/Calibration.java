package io.ollamagateway.limits;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Learns, per tenant (a user, or a key without one) and model, how the gateway's prompt estimate relates to
 * the count Ollama reports: chat templates add tokens the client never sees, and each model's tokenizer differs
 * from the estimator's. Built so that no caller can spend another's quota through it:
 *
 * <ul>
 *   <li>each (tenant, model) learns on its own: a new tenant starts from {@value #DEFAULT_RATIO}, never from
 *       another tenant's history;</li>
 *   <li>the ratio stays within [{@value #MIN_RATIO}, {@value #MAX_RATIO}]: estimates are never below the raw
 *       count, and one odd answer cannot make them absurd;</li>
 *   <li>an observation outside those bounds, or, once a few were seen, more than {@value #OUTLIER_FACTOR} times
 *       away from what was learned, is ignored as an outlier (a cached prompt, a broken count);</li>
 *   <li>at most {@code capacity} entries are kept, the least recently used going first.</li>
 * </ul>
 *
 * <p>Estimates are rounded up, so reservations err on holding a little too much. Thread-safe; every call holds
 * one lock for a map operation.
 */
public final class Calibration {

  static final double DEFAULT_RATIO = 1.25;
  static final double MIN_RATIO = 1.0;
  static final double MAX_RATIO = 8.0;
  static final double OUTLIER_FACTOR = 2.0;
  private static final double WEIGHT = 0.3;
  private static final int SETTLED_AFTER = 3;

  private static final class Entry {
    double ratio;
    int samples;

    Entry(double ratio) {
      this.ratio = ratio;
    }
  }

  /** A (tenant, model) pair; {@code null} is the same as {@code ""}. */
  private record Key(String tenant, String model) {
    Key {
      tenant = tenant == null ? "" : tenant;
      model = model == null ? "" : model;
    }
  }

  private final Map<Key, Entry> entries;

  /** @param capacity how many (tenant, model) pairs are remembered at most */
  public Calibration(int capacity) {
    this.entries = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
        return size() > capacity;
      }
    };
  }

  public Calibration() {
    this(10_000);
  }

  /** The expected prompt count, for {@code tenant} on {@code model}, of a request estimated at {@code raw}. */
  public synchronized long estimate(String tenant, String model, long raw) {
    Entry entry = entries.get(new Key(tenant, model));
    return (long) Math.ceil(raw * (entry == null ? DEFAULT_RATIO : Math.max(entry.ratio, MIN_RATIO)));
  }

  /** Whether {@code tenant} has had an answer on {@code model} counted yet. */
  public synchronized boolean isCalibrated(String tenant, String model) {
    Entry entry = entries.get(new Key(tenant, model));
    return entry != null && entry.samples > 0;
  }

  /** Learns from one answer: its body estimated to {@code raw} tokens, Ollama counted {@code reported}. */
  public synchronized void learn(String tenant, String model, long raw, long reported) {
    if (raw <= 0 || reported <= 0) {
      return;
    }
    double observed = reported / (double) raw;
    if (observed > MAX_RATIO || observed < 1 / MAX_RATIO) {
      return;
    }
    observed = Math.max(MIN_RATIO, observed);
    Key key = new Key(tenant, model);
    Entry entry = entries.get(key);
    if (entry == null) {
      entry = new Entry(observed);
      entries.put(key, entry);
    } else if (entry.samples >= SETTLED_AFTER
        && (observed > entry.ratio * OUTLIER_FACTOR || observed * OUTLIER_FACTOR < entry.ratio)) {
      return;
    } else if (entry.samples == 0) {
      entry.ratio = observed;
    } else {
      // up at once, down slowly: an estimate that was too low costs quota, one too high only caps an answer
      entry.ratio = observed > entry.ratio ? observed : entry.ratio + WEIGHT * (observed - entry.ratio);
    }
    entry.samples++;
  }
}
