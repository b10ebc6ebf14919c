package io.ollamagateway.usage;

import io.ollamagateway.proxy.Exchange;

/**
 * Settle and record: receives the usage of each metered answer once it is over. Called on the exchange's
 * event loop; must not block (durable writes are batched off the hot path).
 */
public interface UsageRecorder {

  /**
   * @param error {@code null} when the answer completed; otherwise why it ended early
   */
  void record(Exchange exchange, Usage usage, Throwable error);
}
