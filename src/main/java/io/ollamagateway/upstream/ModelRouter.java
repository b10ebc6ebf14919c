package io.ollamagateway.upstream;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.Futures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model-aware routing over the {@link UpstreamRegistry}: a request goes to an upstream that has its model
 * (by its model patterns, else by its last {@code /api/tags}), healthy ones first, preferring one where the
 * model is already loaded ({@code /api/ps}), then the fewest in-flight requests per unit of weight. With a
 * single upstream without model patterns every request goes to it, as a plain proxy would, and the upstream
 * judges the model.
 *
 * <p>A key is disabled only when the upstream refuses it on its own ({@link Lease#keyRefused}): a 401/403 that
 * was about the request's model or the account goes to the client and leaves the pool alone.
 *
 * <p>Then it takes a concurrency slot (possibly waiting in the fair queue) and a key. When every key of
 * every candidate is cooling down the answer is 429 with the earliest {@code Retry-After}; a model no
 * upstream has is 404 {@code model 'x' not found}, as Ollama says it.
 *
 * <p>Called on event loops; thread-safe; never blocks.
 */
public final class ModelRouter implements UpstreamSelector {

  private static final Logger LOG = LoggerFactory.getLogger(ModelRouter.class);

  private final UpstreamRegistry registry;

  public ModelRouter(UpstreamRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Future<Target> select(Attempt route) {
    List<Upstream> all = registry.snapshot().upstreams();
    List<Upstream> candidates = candidates(all, route);
    if (candidates.isEmpty()) {
      if (route.model() != null && route.excluded().isEmpty()) {
        return Future.failedFuture(ApiError.notFound("model '" + route.model() + "' not found"));
      }
      return Future.failedFuture(new ApiError(502, "no upstream is left to try"
          + (route.model() == null ? "" : " for model '" + route.model() + "'")));
    }
    Upstream chosen;
    if (candidates.size() == 1 && hasKey(candidates.get(0))) {
      chosen = candidates.get(0); // the usual set-up: one upstream, which has a key to use or needs none
    } else {
      long now = registry.clock().getAsLong();
      List<Upstream> withKeys = new ArrayList<>(candidates.size());
      long earliest = Long.MAX_VALUE;
      List<String> disabledEverywhere = new ArrayList<>();
      for (Upstream upstream : candidates) {
        if (hasKey(upstream)) {
          withKeys.add(upstream);
        } else {
          OptionalLong next = upstream.keys().earliestAvailable();
          if (next.isPresent()) {
            earliest = Math.min(earliest, next.getAsLong());
          } else {
            disabledEverywhere.add(upstream.name());
          }
        }
      }
      if (withKeys.isEmpty()) {
        return Future.failedFuture(noKey(earliest, now, disabledEverywhere));
      }
      if (withKeys.size() > 1) {
        withKeys.sort(order(route.model()));
      }
      chosen = withKeys.get(0);
    }
    return Futures.then(chosen.gate().enter(route.clientId()), v -> {
      OptionalInt key = chosen.keys().isEmpty() ? OptionalInt.of(-1) : chosen.keys().acquire();
      if (key.isEmpty()) {
        // every key started cooling down while the request waited for a slot
        chosen.gate().leave();
        OptionalLong next = chosen.keys().earliestAvailable();
        return Future.failedFuture(noKey(next.orElse(Long.MAX_VALUE), registry.clock().getAsLong(),
            next.isPresent() ? List.of() : List.of(chosen.name())));
      }
      int index = key.getAsInt();
      Optional<String> secret = index < 0 ? Optional.empty() : Optional.of(chosen.keys().secret(index));
      return Future.succeededFuture(new Target(chosen.config(), secret, index, new UpstreamLease(chosen, index)));
    });
  }

  private static boolean hasKey(Upstream upstream) {
    return upstream.keys().isEmpty() || upstream.keys().peek().isPresent();
  }

  // Loops rather than streams: this runs for every request, usually over a single upstream.
  private List<Upstream> candidates(List<Upstream> all, Attempt route) {
    boolean plainProxy = all.size() == 1 && all.get(0).config().models().isEmpty() && route.upstream() == null;
    boolean anyModel = plainProxy || route.model() == null;
    if (all.size() == 1) { // what the lists below come to for one upstream, healthy or not
      Upstream only = all.get(0);
      boolean skipped = route.excluded().contains(only.name())
          || (route.upstream() != null && !route.upstream().equals(only.name()));
      return skipped || !anyModel && only.has(route.model()) == Upstream.Has.NO ? List.of() : List.of(only);
    }
    List<Upstream> having = new ArrayList<>(all.size());
    List<Upstream> unknown = anyModel ? having : new ArrayList<>(all.size());
    for (Upstream upstream : all) {
      if (route.excluded().contains(upstream.name())
          || (route.upstream() != null && !route.upstream().equals(upstream.name()))) {
        continue;
      }
      Upstream.Has has = anyModel ? Upstream.Has.YES : upstream.has(route.model());
      if (has == Upstream.Has.YES) {
        having.add(upstream);
      } else if (has == Upstream.Has.UNKNOWN) {
        unknown.add(upstream); // an upstream whose catalogue could not be read yet might have it
      }
    }
    return preferHealthy(having.isEmpty() ? unknown : having);
  }

  /** Healthy upstreams; when none is, all of them: a failed check must not stop traffic that might work. */
  private static List<Upstream> preferHealthy(List<Upstream> upstreams) {
    List<Upstream> healthy = new ArrayList<>(upstreams.size());
    for (Upstream upstream : upstreams) {
      if (upstream.healthy()) {
        healthy.add(upstream);
      }
    }
    return healthy.isEmpty() ? upstreams : healthy;
  }

  private static Comparator<Upstream> order(String model) {
    Comparator<Upstream> loadedFirst = Comparator.comparing(u -> !u.loaded(model));
    return loadedFirst
        .thenComparing(u -> u.gate().full())
        .thenComparingDouble(u -> (double) u.gate().inFlight() / Math.max(1, u.config().weight()))
        .thenComparing(u -> -u.config().weight());
  }

  private static ApiError noKey(long earliest, long now, List<String> allDisabled) {
    if (earliest == Long.MAX_VALUE) {
      return new ApiError(502, "every key of upstream " + String.join(", ", allDisabled)
          + " was refused by the upstream (401/403); see GET /admin/api/upstreams");
    }
    long seconds = Math.max(1, (earliest - now + 999) / 1000);
    return new ApiError(429, "every upstream key is rate limited; retry after " + seconds + " s",
        Map.of("Retry-After", Long.toString(seconds)));
  }

  @Override
  public boolean available(String name, String model) {
    for (Upstream upstream : registry.snapshot().upstreams()) {
      if (upstream.name().equals(name)) {
        return upstream.healthy() && upstream.has(model) != Upstream.Has.NO && !upstream.gate().full();
      }
    }
    return false;
  }

  @Override
  public Optional<List<JsonObject>> aggregatedModels() {
    List<Upstream> all = registry.snapshot().upstreams();
    // one Ollama answers its own lists; an OpenAI-compatible server has no /api/tags to answer them
    if (all.size() < 2 && all.stream().noneMatch(u -> u.config().openAi())) {
      return Optional.empty();
    }
    return catalogue();
  }

  @Override
  public Optional<List<JsonObject>> catalogue() {
    List<Upstream> all = registry.snapshot().upstreams();
    Map<String, JsonObject> union = new LinkedHashMap<>();
    for (Upstream upstream : preferHealthy(all)) {
      if (upstream.healthy()) {
        upstream.modelEntries().forEach(union::putIfAbsent);
      }
    }
    return Optional.of(union.values().stream()
        .sorted(Comparator.comparing(e -> e.getString("name", e.getString("model", "")))).toList());
  }

  /** What one attempt holds of an upstream; reports back to its key pool and health. */
  private final class UpstreamLease implements Lease {
    private final Upstream upstream;
    private final int keyIndex;
    private final AtomicBoolean released = new AtomicBoolean();

    UpstreamLease(Upstream upstream, int keyIndex) {
      this.upstream = upstream;
      this.keyIndex = keyIndex;
    }

    @Override
    public void rateLimited(Duration retryAfter, String message) {
      if (keyIndex >= 0) {
        long until = upstream.keys().rateLimited(keyIndex, retryAfter, message);
        LOG.info("upstream '{}' key #{} rate limited (429); cooling down for {} ms", upstream.name(), keyIndex,
            Math.max(0, until - registry.clock().getAsLong()));
      }
    }

    @Override
    public Future<Boolean> keyRefused(int status, String message) {
      if (keyIndex < 0) {
        return Future.succeededFuture(false);
      }
      return registry.checkKey(upstream, keyIndex).transform(ar -> {
        if (ar.succeeded() && (ar.result() == 401 || ar.result() == 403)) {
          String reason = "refused by the upstream with HTTP " + status + " (" + message + "), and HTTP "
              + ar.result() + " to GET " + UpstreamRegistry.KEY_CHECK_PATH + " with this key alone";
          upstream.keys().disable(keyIndex, reason);
          LOG.warn("upstream '{}' key #{} disabled until the next reload: {}", upstream.name(), keyIndex, reason);
          return Future.succeededFuture(true);
        }
        String check = ar.succeeded() ? "answered HTTP " + ar.result() : "could not be made ("
            + UpstreamProbe.describe(ar.cause()) + ")";
        LOG.info("upstream '{}' key #{}: a request was refused with HTTP {} ({}), but the check with the key "
            + "alone {}: the key stays, the answer goes to the client", upstream.name(), keyIndex, status, message,
            check);
        return Future.succeededFuture(false);
      });
    }

    @Override
    public void unreachable(String message) {
      registry.markUnhealthy(upstream, message);
    }

    @Override
    public void succeeded() {
      if (keyIndex >= 0) {
        upstream.keys().succeeded(keyIndex);
      }
    }

    @Override
    public void release() {
      if (released.compareAndSet(false, true)) {
        upstream.gate().leave();
      }
    }
  }
}
