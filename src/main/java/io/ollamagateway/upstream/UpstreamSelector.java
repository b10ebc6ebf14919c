package io.ollamagateway.upstream;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * Route: picks the upstream and upstream key for a request. Called on an event loop; must not block (a
 * selector that has to wait for capacity returns a future that completes later).
 */
public interface UpstreamSelector {

  /**
   * Chooses a target for one attempt, knowing the model, the caller and what already failed. The caller must
   * {@link Lease#release() release} the target's lease when the attempt is over.
   *
   * @return the target, or a failed future carrying an {@link io.ollamagateway.api.ApiError}
   */
  Future<Target> select(Attempt route);

  /**
   * The models of every healthy upstream, deduplicated, as {@code /api/tags} entries, when the gateway must
   * answer model lists itself (several upstreams); empty when the upstream's own answer is the right one.
   */
  default Optional<List<JsonObject>> aggregatedModels() {
    return Optional.empty();
  }

  /**
   * Whether {@code upstream} can take a request for {@code model} now: it is configured, healthy, serves the
   * model (or its catalogue is not known yet) and has a free concurrency slot. Alias chains try such targets
   * first.
   */
  default boolean available(String upstream, String model) {
    return true;
  }

  /**
   * The models of every healthy upstream as {@code /api/tags} entries, however many upstreams there are: what
   * the gateway lists beside its aliases. Empty when the selector knows no catalogue.
   */
  default Optional<List<JsonObject>> catalogue() {
    return Optional.empty();
  }
}
