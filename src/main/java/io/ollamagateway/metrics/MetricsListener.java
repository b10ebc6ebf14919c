package io.ollamagateway.metrics;

import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.proxy.Endpoint;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.usage.Usage;
import io.ollamagateway.usage.UsageRecorder;
import java.util.Locale;

/** Feeds {@link GatewayMetrics} from the pipeline: request outcomes and metered tokens. Event loops only. */
public final class MetricsListener implements ExchangeListener, UsageRecorder {

  // label values, computed once rather than lower-cased on every request
  private static final String[] ENDPOINT_LABELS = labels(Endpoint.values());
  private static final String[] FAMILY_LABELS = labels(ApiFamily.values());

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
    Endpoint endpoint = exchange.endpoint();
    metrics.finished(FAMILY_LABELS[endpoint.family().ordinal()], ENDPOINT_LABELS[endpoint.ordinal()],
        exchange.model(), upstream(exchange), status,
        System.nanoTime() - exchange.startNanos(), exchange.firstByteNanos());
  }

  @Override
  public void record(Exchange exchange, Usage usage, Throwable error) {
    metrics.tokens(exchange.model(), upstream(exchange), usage.promptTokens(), usage.completionTokens(),
        usage.estimated());
    if (exchange.principal() != null) {
      metrics.userTokens(exchange.principal().userId(), usage.promptTokens(), usage.completionTokens());
    }
  }

  private static String[] labels(Enum<?>[] values) {
    String[] labels = new String[values.length];
    for (Enum<?> value : values) {
      labels[value.ordinal()] = value.name().toLowerCase(Locale.ROOT);
    }
    return labels;
  }

  private static String upstream(Exchange exchange) {
    return exchange.target() == null ? null : exchange.target().upstream().name();
  }
}
