package io.ollamagateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * What a tracer sees of one exchange: the pipeline marks where each {@link Phase} begins and ends, and asks
 * for the headers that carry the trace to the upstream. {@link #NONE}, every exchange's trace while tracing
 * is off, does nothing and allocates nothing, so that the pipeline pays a call per phase and no more.
 *
 * <p>An exchange's trace is set by a listener's {@link ExchangeListener#onStart}, and called only on the
 * exchange's event loop. A phase begun again (a retried attempt) ends its previous span first; phases still
 * open when the exchange finishes are ended then, with its outcome.
 */
public interface ExchangeTrace {

  /** The parts of a request that get their own span. */
  enum Phase {
    /** Checking the caller's credentials. */
    AUTHENTICATE("authenticate"),
    /** The pipeline's stages: access policy, rate limits, quota reservation, the caller's concurrency. */
    ADMIT("admit"),
    /** Choosing an upstream and a key, waiting in the upstream's fair queue for a slot when it is full. */
    ROUTE("route"),
    /** Taking a connection to the upstream (a pooled one, or a new TCP and TLS connection). */
    CONNECT("upstream.connect"),
    /** From sending the request to the upstream until the head of its answer arrives. */
    FIRST_BYTE("upstream.time_to_first_byte"),
    /** Relaying the answer to the client, from its head to its last byte. */
    STREAM("upstream.stream");

    private final String spanName;

    Phase(String spanName) {
      this.spanName = spanName;
    }

    /** The span's name. */
    public String spanName() {
      return spanName;
    }
  }

  /** The trace of every exchange while tracing is off. */
  ExchangeTrace NONE = new ExchangeTrace() {
  };

  default void begin(Phase phase) {
  }

  /** Ends the phase's span, as failed when {@code error} is not null. */
  default void end(Phase phase, Throwable error) {
  }

  /**
   * Sets the trace context ({@code traceparent}, {@code tracestate}) on the headers of the request to the
   * upstream. {@link #NONE} leaves them as they are: a client's own {@code traceparent} then passes through.
   */
  default void inject(HttpHeaders upstreamHeaders) {
  }
}
