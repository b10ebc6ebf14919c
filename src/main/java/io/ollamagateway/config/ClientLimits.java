package io.ollamagateway.config;

import java.time.Duration;

/**
 * What a client may hold of the gateway while it sends a request, whatever it declares: the process-wide cap
 * on buffered request bodies, and how long the request head and a buffered body may take to arrive.
 * Immutable.
 *
 * @param maxBodyBytesInFlight {@code MAX_BODY_BYTES_IN_FLIGHT}: the most bytes of request bodies buffered at
 *     once across the process; beyond it a request gets 503 with {@code Retry-After}. Defaults to an eighth of
 *     the JVM's maximum heap
 * @param headerTimeout {@code CLIENT_HEADER_TIMEOUT}: how long a request head may take to arrive whole, from
 *     the connection's accept or, on a kept-alive connection, from its first byte; zero disables
 * @param bodyTimeout {@code CLIENT_BODY_TIMEOUT}: how long a buffered (JSON) body may take to arrive, from
 *     the end of its head; slower clients get 408 and a closed connection. Zero disables. Streamed uploads
 *     (blobs, audio) are bound by {@code CLIENT_IDLE_TIMEOUT} only
 */
public record ClientLimits(long maxBodyBytesInFlight, Duration headerTimeout, Duration bodyTimeout) {

  /** An eighth of the heap the JVM may use, at least 1 MiB: the default of {@code MAX_BODY_BYTES_IN_FLIGHT}. */
  public static long defaultBodyBytesInFlight() {
    return Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 8);
  }

  /** The defaults, for tests and tools. */
  public static ClientLimits defaults() {
    return new ClientLimits(defaultBodyBytesInFlight(), Duration.ofSeconds(30), Duration.ofSeconds(60));
  }
}
