package io.ollamagateway.upstream;

import io.ollamagateway.config.UpstreamConfig;
import java.util.Optional;

/**
 * Where one attempt of a request goes: an upstream and, for upstreams that take keys, the key to send.
 * A running request keeps its target across a reload: the upstream it names may be gone from the new
 * configuration, but the request finishes where it started.
 *
 * @param upstream the upstream server
 * @param key the Bearer key to send, if the upstream takes one
 * @param keyIndex the key's position in the upstream's list (what usage records and logs name instead of
 *     the key); -1 without a key
 * @param lease the slot and key this attempt holds, and where it reports what the upstream answered
 */
public record Target(UpstreamConfig upstream, Optional<String> key, int keyIndex, Lease lease) {

  /** A target that holds nothing. */
  public Target(UpstreamConfig upstream, Optional<String> key, int keyIndex) {
    this(upstream, key, keyIndex, Lease.NONE);
  }

  /** Never prints the key. */
  @Override
  public String toString() {
    return "Target[" + upstream.name() + (keyIndex >= 0 ? ", key #" + keyIndex : "") + "]";
  }
}
