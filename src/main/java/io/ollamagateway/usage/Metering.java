package io.ollamagateway.usage;

import io.ollamagateway.proxy.Endpoint;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.RequestStage;
import io.ollamagateway.proxy.ResponseTap;
import io.vertx.core.Future;
import java.util.List;

/**
 * Metering in the pipeline. As a {@link RequestStage} it asks OpenAI-compatible streams for their usage
 * ({@code stream_options.include_usage}) when the client did not; as a {@link ResponseTap.Factory} it puts a
 * {@link UsageTap} on every successful answer of a generation or embedding route, which hands the usage to
 * the {@link UsageRecorder}s when the answer is over. Which routes are metered is the endpoint table's
 * ({@link Endpoint#metered()}).
 *
 * <p>Stateless apart from its collaborators; called on event loops.
 */
public final class Metering implements RequestStage, ResponseTap.Factory {

  private final TokenEstimator estimator;
  private final List<UsageRecorder> recorders;

  public Metering(TokenEstimator estimator, List<UsageRecorder> recorders) {
    this.estimator = estimator;
    this.recorders = List.copyOf(recorders);
  }

  @Override
  public Future<Void> apply(Exchange exchange) {
    Endpoint endpoint = exchange.endpoint();
    if ((endpoint == Endpoint.OPENAI_CHAT || endpoint == Endpoint.OPENAI_COMPLETIONS)
        && exchange.body() != null && Boolean.TRUE.equals(exchange.body().stream())) {
      StreamOptions.includeUsage(exchange.body().tree()).ifPresent(rewritten -> {
        exchange.replaceBody(rewritten);
        exchange.markUsageRequested();
      });
    }
    return Future.succeededFuture();
  }

  @Override
  public ResponseTap open(Exchange exchange, int status, String contentType) {
    if (status != 200 || !exchange.endpoint().metered()) {
      return ResponseTap.NONE;
    }
    return new UsageTap(UsageTap.Format.of(contentType), exchange.usageRequested(), estimator,
        () -> exchange.body() == null ? "" : PromptText.of(exchange.body().tree()),
        (usage, error) -> recorders.forEach(recorder -> recorder.record(exchange, usage, error)));
  }
}
