package io.ollamagateway.auth;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Turns presented credentials into a {@link Principal}, or fails with an {@link io.ollamagateway.api.ApiError}
 * (401 for missing or wrong credentials, 403 for valid but unusable ones).
 *
 * <p>Called on an event loop for every proxied request: an implementation must answer from memory and must
 * not block; work that blocks (hashing, the store) belongs on a worker and is cached.
 */
public interface Authenticator {

  Future<Principal> authenticate(Credentials credentials);

  /**
   * Authenticates the credentials of a request's headers. An implementation that knows who is asking (its
   * address) may refuse before looking at them, e.g. with 429 after too many failures.
   */
  default Future<Principal> authenticate(HttpServerRequest request) {
    return authenticate(Credentials.from(request.headers()));
  }
}
