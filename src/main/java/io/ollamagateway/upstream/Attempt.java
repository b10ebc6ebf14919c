package io.ollamagateway.upstream;

import java.util.Set;

/**
 * What routing knows of one attempt of a request.
 *
 * @param model the model the request names (for an alias: the target's model), or {@code null}
 * @param clientId the caller's public id, for fair queueing
 * @param excluded upstreams that already failed to connect for this request
 * @param upstream the one upstream the attempt must go to (a target of an alias), or {@code null} for any
 */
public record Attempt(String model, String clientId, Set<String> excluded, String upstream) {

  public Attempt {
    excluded = Set.copyOf(excluded);
  }

  /** An attempt on any upstream that has the model. */
  public Attempt(String model, String clientId, Set<String> excluded) {
    this(model, clientId, excluded, null);
  }
}
