package io.ollamagateway.server;

import io.ollamagateway.api.Answers;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.List;
import java.util.Set;

/**
 * The gateway's CORS policy, the only one a browser sees (the upstream's own CORS headers are dropped).
 * With {@code ALLOWED_ORIGINS} set, listed origins ({@code *} for any) get preflight answers and CORS
 * headers; without it no origin does, and preflights are refused with 403. Stateless after construction.
 */
final class Cors {

  private Cors() {
  }

  static Handler<RoutingContext> handler(List<String> allowedOrigins) {
    if (allowedOrigins.isEmpty()) {
      return Cors::refusePreflight;
    }
    CorsHandler cors = CorsHandler.create()
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT,
            HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS))
        .exposedHeaders(Set.of("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"))
        .maxAgeSeconds(600);
    if (!allowedOrigins.contains("*")) {
      cors.addOrigins(allowedOrigins);
    }
    return cors;
  }

  private static void refusePreflight(RoutingContext context) {
    if (context.request().method() == HttpMethod.OPTIONS
        && context.request().headers().contains(HttpHeaders.ORIGIN)
        && context.request().headers().contains(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD)) {
      Answers.error(context.response(), ApiFamily.NATIVE,
          ApiError.forbidden("cross-origin requests are not allowed; list the origin in ALLOWED_ORIGINS"));
      return;
    }
    context.next();
  }
}
