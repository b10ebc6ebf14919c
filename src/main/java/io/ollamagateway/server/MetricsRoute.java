package io.ollamagateway.server;

import io.ollamagateway.api.Answers;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.RequestAuth;
import io.ollamagateway.metrics.GatewayMetrics;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /metrics}: the Prometheus exposition. It needs admin credentials (Prometheus sends them with
 * {@code authorization: {credentials: ...}} in its scrape config) unless {@code METRICS_PUBLIC=true}.
 * Scraping runs on a worker: building the text of every meter is not event-loop work.
 */
final class MetricsRoute implements Handler<RoutingContext> {

  private static final String FORBIDDEN = "metrics need an admin credential (or METRICS_PUBLIC=true)";

  private final GatewayMetrics metrics;
  private final Authenticator authenticator;
  private final boolean open;

  MetricsRoute(GatewayMetrics metrics, Authenticator authenticator, boolean open) {
    this.metrics = metrics;
    this.authenticator = authenticator;
    this.open = open;
  }

  @Override
  public void handle(RoutingContext context) {
    if (open) {
      scrape(context);
      return;
    }
    RequestAuth.requireAdmin(context, authenticator, FORBIDDEN).onComplete(ar -> {
      if (ar.failed()) {
        ApiError error = ar.cause() instanceof ApiError e ? e : ApiError.forbidden(FORBIDDEN);
        Answers.error(context.response(), ApiFamily.NATIVE, error);
        return;
      }
      scrape(context);
    });
  }

  private void scrape(RoutingContext context) {
    context.vertx().executeBlocking(metrics::scrape, false).onComplete(ar -> {
      if (ar.failed()) {
        context.fail(ar.cause());
        return;
      }
      context.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
          .end(ar.result());
    });
  }
}
