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

  /**
   * A tap that holds the whole answer (one JSON document: its size is the upstream's, never the client's) and,
   * when it ended normally and the client is still there, writes {@code replace} of it to the client instead.
   */
  static ResponseTap whole(Exchange exchange, java.util.function.UnaryOperator<Buffer> replace) {
    return new ResponseTap() {
      private final Buffer body = Buffer.buffer();

      @Override
      public Buffer onChunk(Buffer chunk) {
        body.appendBuffer(chunk);
        return null;
      }

      @Override
      public boolean keepsLength() {
        return false;
      }

      @Override
      public void onEnd(Throwable error) {
        if (error == null && !exchange.clientGone()) {
          exchange.request().response().write(replace.apply(body));
        }
      }
    };
  }

  /** Opens a tap for one exchange once the upstream's status and headers are known. */
  interface Factory {
    Factory NONE = (exchange, status, contentType) -> ResponseTap.NONE;

    ResponseTap open(Exchange exchange, int status, String contentType);

    /** Opens every factory's tap; chunks pass through them in order. */
    static Factory all(java.util.List<Factory> factories) {
      Factory[] each = factories.toArray(Factory[]::new);
      return (exchange, status, contentType) -> {
        // a plain loop: this runs for every answer, and most open at most one tap
        ResponseTap only = ResponseTap.NONE;
        java.util.List<ResponseTap> taps = null;
        for (Factory factory : each) {
          ResponseTap tap = factory.open(exchange, status, contentType);
          if (tap == ResponseTap.NONE) {
            continue;
          }
          if (only == ResponseTap.NONE) {
            only = tap;
          } else {
            if (taps == null) {
              taps = new java.util.ArrayList<>(each.length);
              taps.add(only);
            }
            taps.add(tap);
          }
        }
        return taps == null ? only : chain(taps);
      };
    }

    private static ResponseTap chain(java.util.List<ResponseTap> taps) {
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
    }
  }
}
