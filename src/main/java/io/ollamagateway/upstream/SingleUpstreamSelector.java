package io.ollamagateway.upstream;

import io.ollamagateway.config.UpstreamConfig;
import io.vertx.core.Future;
import java.util.Optional;

/** Sends everything to one upstream with its first key (if any). Immutable, never blocks. */
public final class SingleUpstreamSelector implements UpstreamSelector {

  private final Future<Target> target;

  public SingleUpstreamSelector(UpstreamConfig upstream) {
    Optional<String> key = upstream.keys().stream().findFirst();
    this.target = Future.succeededFuture(new Target(upstream, key, key.isPresent() ? 0 : -1));
  }

  @Override
  public Future<Target> select(String model) {
    return target;
  }
}
