package io.ollamagateway.server;

import io.ollamagateway.api.Answers;
import io.ollamagateway.admin.IdentityService;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.limits.Admission;
import io.ollamagateway.limits.Reservation;
import io.ollamagateway.auth.RequestAuth;
import io.ollamagateway.store.ApiKey;
import io.ollamagateway.usage.JdbcUsageStore;
import io.ollamagateway.store.KeyLimits;
import io.ollamagateway.store.Quota;
import io.ollamagateway.store.Stores;
import io.ollamagateway.store.UsageFilter;
import io.ollamagateway.store.UsageTotal;
import io.ollamagateway.store.User;
import java.util.ArrayList;
import java.util.List;
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
 * <p>{@code GET /admin/api/me/limits} (self-service, also with a console session): the same for the caller's
 * user as a whole: the user's usage today and this month over all their keys, their quota with what is left,
 * and each usable key's own limits with what is left. Read from the existing counters without changing them.
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
  private final Stores stores;

  SelfServiceRoute(Vertx vertx, Authenticator authenticator, Admission admission, JdbcUsageStore usage, ZoneId zone,
      Stores stores) {
    this.vertx = vertx;
    this.stores = stores;
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
        .onSuccess(body -> Answers.json(ctx.response(), 200, body))
        .onFailure(err -> {
          if (!(err instanceof ApiError)) {
            LOG.error("self-service statistics failed", err);
          }
          Answers.error(ctx.response(), ApiFamily.NATIVE, err instanceof ApiError e ? e
              : new ApiError(500, "the statistics could not be read; see the gateway's log"));
        });
  }

  /** {@code GET /admin/api/me/limits}: the caller's user, all their keys. */
  void mine(RoutingContext ctx) {
    RequestAuth.authenticate(ctx, authenticator)
        .compose(principal -> {
          if (principal.userId() == null) {
            return Future.failedFuture(ApiError.forbidden("your limits need a user's API key or password; '"
                + principal.clientId() + "' belongs to no user"));
          }
          long userId = principal.userId();
          LocalDate today = LocalDate.now(zone);
          Instant dayStart = today.atStartOfDay(zone).toInstant();
          Instant monthStart = today.withDayOfMonth(1).atStartOfDay(zone).toInstant();
          return vertx.executeBlocking(() -> {
            User user = stores.users().find(userId).orElseThrow(() -> ApiError.notFound("your user is gone"));
            Quota quota = stores.users().quota(userId);
            Instant now = Instant.now();
            List<ApiKey> keys = stores.keys().list(userId).stream()
                .filter(k -> "active".equals(k.status(now))).toList();
            UsageFilter mine = new UsageFilter(monthStart, null, null, null, null, null).forUser(userId);
            long[] todaySum = new long[6];
            long[] monthSum = new long[6];
            for (UsageTotal t : usage.totals(mine)) {
              add(monthSum, t);
              if (!t.hour().isBefore(dayStart)) {
                add(todaySum, t);
              }
            }
            return new Mine(user, quota, keys, todaySum, monthSum);
          }, false).compose(found -> {
            List<Principal> callers = new ArrayList<>();
            for (ApiKey key : found.keys) {
              callers.add(new Principal("key:" + key.id(), found.user.role(), key.id(), userId, found.user.name(),
                  key.models(), key.limits(), found.quota));
            }
            if (callers.isEmpty()) { // the quota alone, as a key of this user would see it
              callers.add(new Principal("user:" + userId, found.user.role(), 0L, userId, found.user.name(),
                  List.of(), KeyLimits.NONE, found.quota));
            }
            List<Future<Admission.Standing>> standings = callers.stream().map(admission::standing).toList();
            return Future.all(standings).map(all -> mineView(found, standings.stream().map(Future::result)
                .toList()));
          });
        })
        .onSuccess(body -> Answers.json(ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store"), 200, body))
        .onFailure(err -> {
          if (!(err instanceof ApiError)) {
            LOG.error("self-service limits failed", err);
          }
          Answers.error(ctx.response(), ApiFamily.NATIVE, err instanceof ApiError e ? e
              : new ApiError(500, "the limits could not be read; see the gateway's log"));
        });
  }

  private record Mine(User user, Quota quota, List<ApiKey> keys, long[] today, long[] month) {
  }

  private static void add(long[] sums, UsageTotal t) {
    sums[0] += t.requests();
    sums[1] += t.promptTokens();
    sums[2] += t.completionTokens();
    sums[3] += t.promptTokens() + t.completionTokens();
    sums[4] += t.estimatedTokens();
    sums[5] += t.errors();
  }

  private static JsonObject mineView(Mine mine, List<Admission.Standing> standings) {
    JsonArray quota = new JsonArray();
    java.util.Set<String> seen = new java.util.HashSet<>();
    JsonArray keys = new JsonArray();
    for (int i = 0; i < standings.size(); i++) {
      JsonArray own = new JsonArray();
      for (Reservation.State state : standings.get(i).budgets()) {
        if (state.budget().subject().startsWith("user:")) {
          if (seen.add(state.budget().describe())) {
            quota.add(budget(state));
          }
        } else {
          own.add(budget(state));
        }
      }
      if (i < mine.keys.size()) {
        ApiKey key = mine.keys.get(i);
        long concurrent = standings.get(i).maxConcurrent();
        keys.add(new JsonObject().put("id", key.id()).put("name", key.name()).put("prefix", key.prefix())
            .put("models", new JsonArray(key.models())).put("limits", own)
            .put("max_concurrent", concurrent > 0 ? concurrent : null));
      }
    }
    return new JsonObject()
        .put("user", new JsonObject().put("id", mine.user.id()).put("name", mine.user.name()))
        .put("usage", new JsonObject().put("today", sums(mine.today)).put("this_month", sums(mine.month)))
        .put("quota", quota)
        .put("keys", keys);
  }

  private static JsonObject budget(Reservation.State state) {
    return new JsonObject()
        .put("limit", state.budget().describe())
        .put("max", state.budget().limit())
        .put("remaining", state.remaining())
        .put("resets_at", state.resetAt().toString());
  }

  private static JsonObject sums(long[] sums) {
    return new JsonObject()
        .put("requests", sums[0])
        .put("prompt_tokens", sums[1])
        .put("completion_tokens", sums[2])
        .put("total_tokens", sums[3])
        .put("estimated_tokens", sums[4])
        .put("errors", sums[5]);
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
