package io.ollamagateway.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Learns, per model, how the gateway's prompt estimate relates to the count Ollama reports: chat templates add
 * tokens the client never sees, and each model's tokenizer differs from the estimator's. The ratio is a moving
 * average of reported/estimated, never below 1, and estimates are rounded up, so that quota reservations err
 * on the side of holding a little too much.
 *
 * <p>Thread-safe; lock-free.
 */
public final class Calibration {

  private static final double WEIGHT = 0.3;
  private final ConcurrentHashMap<String, Double> ratios = new ConcurrentHashMap<>();

  /** The expected prompt count of a request whose text estimates to {@code raw} tokens. */
  public long estimate(String model, long raw) {
    return (long) Math.ceil(raw * ratios.getOrDefault(key(model), 1.0));
  }

  /** Learns from one answer: its text estimated to {@code raw} tokens, Ollama counted {@code reported}. */
  public void learn(String model, long raw, long reported) {
    if (raw <= 0 || reported <= 0) {
      return;
    }
    double observed = Math.max(1.0, reported / (double) raw);
    ratios.merge(key(model), observed, (old, now) -> Math.max(1.0, old + WEIGHT * (now - old)));
  }

  private static String key(String model) {
    return model == null ? "" : model;
  }
}
