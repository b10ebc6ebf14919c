package io.ollamagateway.server;

import io.ollamagateway.admin.IdentityService;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.limits.Admission;
import io.ollamagateway.limits.Reservation;
import io.ollamagateway.proxy.ProxyHandler;
import io.ollamagateway.store.JdbcUsageStore;
import io.ollamagateway.store.UsageSum;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/stats}: what the calling key has used today and this month, its limits, and what remains of
 * each until when. Any authenticated caller may ask, about itself only. Errors are in Ollama's shape.
 *
 * <p>Runs on event loops; the store is read on a worker.
 */
final class SelfServiceRoute {

  private static final Logger LOG = LoggerFactory.getLogger(SelfServiceRoute.class);

  private final Vertx vertx;
  private final Authenticator authenticator;
  private final Admission admission;
  private final JdbcUsageStore usage;
  private final ZoneId zone;

  SelfServiceRoute(Vertx vertx, Authenticator authenticator, Admission admission, JdbcUsageStore usage, ZoneId zone) {
    this.vertx = vertx;
    this.authenticator = authenticator;
    this.admission = admission;
    this.usage = usage;
    this.zone = zone;
  }

  void handle(RoutingContext ctx) {
    authenticator.authenticate(ctx.request())
        .compose(principal -> {
          LocalDate today = LocalDate.now(zone);
          Instant dayStart = today.atStartOfDay(zone).toInstant();
          Instant monthStart = today.withDayOfMonth(1).atStartOfDay(zone).toInstant();
          Future<UsageSum[]> sums = vertx.executeBlocking(() -> new UsageSum[] {
              usage.sum(dayStart, principal.clientId()), usage.sum(monthStart, principal.clientId())}, false);
          return Future.all(sums, admission.standing(principal))
              .map(all -> view(principal, sums.result(), all.resultAt(1)));
        })
        .onSuccess(body -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
            .end(body.toBuffer()))
        .onFailure(err -> {
          if (!(err instanceof ApiError)) {
            LOG.error("self-service statistics failed", err);
          }
          ProxyHandler.respond(ctx.response(), ApiFamily.NATIVE, err instanceof ApiError e ? e
              : new ApiError(500, "the statistics could not be read; see the gateway's log"));
        });
  }

  private static JsonObject view(Principal principal, UsageSum[] sums, Admission.Standing standing) {
    JsonArray limits = new JsonArray();
    for (Reservation.State state : standing.budgets()) {
      limits.add(new JsonObject()
          .put("limit", state.budget().describe())
          .put("scope", state.budget().subject().startsWith("user:") ? "user" : "key")
          .put("max", state.budget().limit())
          .put("remaining", state.remaining())
          .put("resets_at", state.resetAt().toString()));
    }
    return new JsonObject()
        .put("client_id", principal.clientId())
        .put("role", IdentityService.roleName(principal.role()))
        .put("user", principal.userName())
        .put("models", new JsonArray(principal.models()))
        .put("usage", new JsonObject().put("today", sum(sums[0])).put("this_month", sum(sums[1])))
        .put("limits", limits)
        .put("max_concurrent", standing.maxConcurrent() > 0 ? standing.maxConcurrent() : null);
  }

  static JsonObject sum(UsageSum sum) {
    return new JsonObject()
        .put("requests", sum.requests())
        .put("prompt_tokens", sum.promptTokens())
        .put("completion_tokens", sum.completionTokens())
        .put("total_tokens", sum.totalTokens())
        .put("estimated_tokens", sum.estimatedTokens())
        .put("errors", sum.errors());
  }
}
