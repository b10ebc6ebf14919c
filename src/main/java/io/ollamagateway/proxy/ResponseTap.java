package io.ollamagateway.proxy;

import io.vertx.core.buffer.Buffer;

/**
 * Sees an upstream answer as it streams to the client, without copying it: the seam where metering reads
 * token counts. One tap per attempt; called on the request's event loop, in order, never concurrently.
 */
public interface ResponseTap {

  /** A tap that sees nothing. */
  ResponseTap NONE = new ResponseTap() {
  };

  /**
   * A chunk of the answer body, before it is written to the client.
   *
   * @return what to write to the client: normally {@code chunk} itself; {@code null} writes nothing
   */
  default Buffer onChunk(Buffer chunk) {
    return chunk;
  }

  /**
   * Whether the body the client gets has the upstream's length: then the upstream's {@code Content-Length} is
   * kept, and a small answer leaves in one write instead of a chunk and a terminating chunk.
   */
  default boolean keepsLength() {
    return true;
  }

  /**
   * The answer is over.
   *
   * @param error {@code null} when the upstream finished normally; otherwise why it did not (upstream
   *     failure, or the client went away)
   */
  default void onEnd(Throwable error) {
  }

  /** Opens a tap for one exchange once the upstream's status and headers are known. */
  interface Factory {
    Factory NONE = (exchange, status, contentType) -> ResponseTap.NONE;

    ResponseTap open(Exchange exchange, int status, String contentType);

    /** Opens every factory's tap; chunks pass through them in order. */
    static Factory all(java.util.List<Factory> factories) {
      return (exchange, status, contentType) -> {
        java.util.List<ResponseTap> taps = factories.stream()
            .map(f -> f.open(exchange, status, contentType)).filter(t -> t != ResponseTap.NONE).toList();
        if (taps.isEmpty()) {
          return ResponseTap.NONE;
        }
        if (taps.size() == 1) {
          return taps.get(0);
        }
        return new ResponseTap() {
          @Override
          public Buffer onChunk(Buffer chunk) {
            Buffer current = chunk;
            for (ResponseTap tap : taps) {
              if (current == null) {
                return null;
              }
              current = tap.onChunk(current);
            }
            return current;
          }

          @Override
          public boolean keepsLength() {
            return taps.stream().allMatch(ResponseTap::keepsLength);
          }

          @Override
          public void onEnd(Throwable error) {
            taps.forEach(tap -> tap.onEnd(error));
          }
        };
      };
    }
  }
}
