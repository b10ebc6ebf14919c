package io.ollamagateway.proxy;

/**
 * Told when each proxied request starts and ends, whatever the outcome: the access log and the metrics
 * listen. Called on the exchange's event loop, exactly once each; must not block.
 */
public interface ExchangeListener {

  /** The request was accepted for proxying. */
  default void onStart(Exchange exchange) {
  }

  /**
   * The request is over.
   *
   * @param status the status the client saw (499 when it went away first)
   * @param note a short description of an abnormal end, or {@code null}
   */
  void onFinish(Exchange exchange, int status, String note);
}
