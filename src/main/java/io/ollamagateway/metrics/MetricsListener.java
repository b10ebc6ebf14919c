package io.ollamagateway.metrics;

import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.usage.Usage;
import io.ollamagateway.usage.UsageRecorder;
import java.util.Locale;

/** Feeds {@link GatewayMetrics} from the pipeline: request outcomes and metered tokens. Event loops only. */
public final class MetricsListener implements ExchangeListener, UsageRecorder {

  private final GatewayMetrics metrics;

  public MetricsListener(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void onStart(Exchange exchange) {
    metrics.started();
  }

  @Override
  public void onFinish(Exchange exchange, int status, String note) {
    metrics.finished(exchange.endpoint().family().name().toLowerCase(Locale.ROOT),
        exchange.endpoint().name().toLowerCase(Locale.ROOT), exchange.model(), upstream(exchange), status,
        System.nanoTime() - exchange.startNanos(), exchange.firstByteNanos());
  }

  @Override
  public void record(Exchange exchange, Usage usage, Throwable error) {
    metrics.tokens(exchange.model(), upstream(exchange), usage.promptTokens(), usage.completionTokens(),
        usage.estimated());
  }

  private static String upstream(Exchange exchange) {
    return exchange.target() == null ? null : exchange.target().upstream().name();
  }
}
