package io.ollamagateway.upstream;

import io.ollamagateway.config.UpstreamConfig;
import java.util.Optional;

/**
 * Where one attempt of a request goes: an upstream and, for upstreams that take keys, the key to send.
 *
 * @param upstream the upstream server
 * @param key the Bearer key to send, if the upstream takes one
 * @param keyIndex the key's position in the upstream's list (what usage records and logs name instead of
 *     the key); -1 without a key
 */
public record Target(UpstreamConfig upstream, Optional<String> key, int keyIndex) {

  /** Never prints the key. */
  @Override
  public String toString() {
    return "Target[" + upstream.name() + (keyIndex >= 0 ? ", key #" + keyIndex : "") + "]";
  }
}
