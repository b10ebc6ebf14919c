package io.ollamagateway.upstream;

import io.vertx.core.Future;

/**
 * Route: picks the upstream and upstream key for a request. Called on an event loop; must not block (a
 * selector that has to wait for capacity returns a future that completes later).
 */
public interface UpstreamSelector {

  /**
   * Chooses a target for a request.
   *
   * @param model the model the request names, or {@code null} for requests that name none
   * @return the target, or a failed future carrying an {@link io.ollamagateway.api.ApiError}
   */
  Future<Target> select(String model);
}
