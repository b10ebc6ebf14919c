package io.ollamagateway.upstream;

import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.config.UpstreamPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The live state of one configured upstream: health, model catalogue (from {@code /api/tags}), loaded models
 * (from {@code /api/ps}), its key pool and its concurrency gate. Thread-safe: fields written by health checks
 * are volatile and replaced whole; the pool and gate guard themselves.
 */
public final class Upstream {

  /** Whether an upstream has a model: yes, no, or unknown because its catalogue was never read. */
  enum Has { YES, NO, UNKNOWN }

  private final UpstreamConfig config;
  private final UpstreamPolicy policy;
  private final KeyPool keys;
  private final ConcurrencyGate gate;
  private volatile boolean healthy = true;
  private volatile boolean catalogueKnown;
  private volatile Map<String, JsonObject> models = Map.of();
  private volatile Set<String> loaded = Set.of();
  private volatile String lastError;
  private volatile long lastCheckMillis;

  Upstream(Vertx vertx, UpstreamConfig config, UpstreamPolicy policy, LongSupplier clock) {
    this.config = config;
    this.policy = policy;
    this.keys = new KeyPool(config.keys(), policy, clock);
    this.gate = new ConcurrencyGate(vertx, config.name(), config.maxConcurrent(), config.queueSize(),
        policy.queueTimeout().toMillis(), clock);
  }

  public UpstreamConfig config() {
    return config;
  }

  UpstreamPolicy policy() {
    return policy;
  }

  public String name() {
    return config.name();
  }

  public KeyPool keys() {
    return keys;
  }

  public ConcurrencyGate gate() {
    return gate;
  }

  public boolean healthy() {
    return healthy;
  }

  public String lastError() {
    return lastError;
  }

  public long lastCheckMillis() {
    return lastCheckMillis;
  }

  /** Model names as {@code /api/tags} listed them last (with patterns applied), sorted. */
  public List<String> modelNames() {
    return models.keySet().stream().sorted().toList();
  }

  Map<String, JsonObject> modelEntries() {
    return models;
  }

  boolean loaded(String model) {
    return model != null && loaded.contains(normalize(model));
  }

  Has has(String model) {
    String name = normalize(model);
    if (!config.models().isEmpty()) {
      return config.patternMatches(model) || config.patternMatches(name) ? Has.YES : Has.NO;
    }
    if (!catalogueKnown) {
      return Has.UNKNOWN;
    }
    return models.containsKey(name) ? Has.YES : Has.NO;
  }

  void healthy(long now) {
    healthy = true;
    lastCheckMillis = now;
  }

  void unhealthy(String error, long now) {
    healthy = false;
    lastError = error;
    lastCheckMillis = now;
  }

  void error(String error) {
    lastError = error;
  }

  void catalogue(Map<String, JsonObject> entries) {
    if (!config.models().isEmpty()) {
      entries = Map.copyOf(entries.entrySet().stream().filter(e -> has(e.getKey()) == Has.YES)
          .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }
    models = Map.copyOf(entries);
    catalogueKnown = true;
  }

  void loadedModels(Set<String> names) {
    loaded = Set.copyOf(names);
  }

  /** {@code llama3.2} and {@code llama3.2:latest} are the same model, as Ollama treats them. */
  static String normalize(String model) {
    String name = model.trim().toLowerCase(Locale.ROOT);
    return name.contains(":") ? name : name + ":latest";
  }
}
