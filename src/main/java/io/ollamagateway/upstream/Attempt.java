package io.ollamagateway.upstream;

import java.util.Set;

/**
 * What routing knows of one attempt of a request.
 *
 * @param model the model the request names, or {@code null}
 * @param clientId the caller's public id, for fair queueing
 * @param excluded upstreams that already failed to connect for this request
 */
public record Attempt(String model, String clientId, Set<String> excluded) {

  public Attempt {
    excluded = Set.copyOf(excluded);
  }
}
