package io.ollamagateway.server;

import io.ollamagateway.api.Answers;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.Credentials;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.usage.JdbcUsageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.LocalDate;
import java.time.ZoneOffset;
import io.ollamagateway.upstream.UpstreamProbe;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;

/**
 * The gateway's own status endpoints: {@code GET /} (a short JSON status; {@code HEAD /} answers 200 for
 * clients that check a server is there) and {@code GET /health} (status, version, uptime and whether each
 * upstream answers; the process is alive, so always 200), and {@code GET /ready} (whether the store and an
 * upstream can serve: 200 or 503). None needs credentials. Without an admin's credentials they show the status
 * alone (and what is missing, for {@code /ready}): nothing internal (versions, upstream URLs, errors) goes to
 * strangers. An admin's credentials add the details, and the usage of today (UTC) and of all time to {@code /}
 * and {@code /health}. Runs on event loops; the store is read on a worker.
 */
final class StatusRoutes {

  private final Instant started = Instant.now();
  private final Vertx vertx;
  private final UpstreamProbe probe;
  private final Authenticator authenticator;
  private final JdbcUsageStore usage;
  private final Readiness readiness;

  StatusRoutes(Vertx vertx, UpstreamProbe probe, Authenticator authenticator, JdbcUsageStore usage,
      Readiness readiness) {
    this.vertx = vertx;
    this.probe = probe;
    this.authenticator = authenticator;
    this.usage = usage;
    this.readiness = readiness;
  }

  /**
   * {@code GET /ready}: 200 when the store answers and an upstream can serve, 503 naming what is missing. The
   * store's and the upstreams' details (names, errors, keys) are for admins only.
   */
  void ready(RoutingContext context) {
    readiness.check().onComplete(ar -> {
      if (ar.failed()) {
        json(context, 503, new JsonObject().put("status", "not_ready"));
        return;
      }
      Readiness.Report report = ar.result();
      int status = report.ready() ? 200 : 503;
      isAdmin(context).onComplete(admin -> {
        if (admin.result()) {
          json(context, status, report.body());
        } else {
          JsonObject brief = new JsonObject().put("status", report.body().getString("status"));
          if (report.body().containsKey("missing")) {
            brief.put("missing", report.body().getJsonArray("missing"));
          }
          json(context, status, brief);
        }
      });
    });
  }

  void root(RoutingContext context) {
    HttpMethod method = context.request().method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      context.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD").end();
      return;
    }
    JsonObject status = new JsonObject()
        .put("status", "ok")
        .put("name", "ollama-gateway")
        .put("message", "Ollama Gateway is running");
    isAdmin(context).compose(admin -> {
      if (!admin) {
        return Future.succeededFuture();
      }
      status.put("version", BuildInfo.version());
      return withUsage(status);
    }).onComplete(ar -> json(context, 200, status));
  }

  /**
   * Whether the request carries an admin's credentials; false without credentials, with wrong ones (which
   * count as failed authentication, as anywhere else) and when they cannot be checked. Never fails.
   */
  private Future<Boolean> isAdmin(RoutingContext context) {
    if (Credentials.from(context.request().headers()).secret().isEmpty()) {
      return Future.succeededFuture(false);
    }
    return authenticator.authenticate(context.request()).map(Principal::isAdmin).otherwise(false);
  }

  /** Adds {@code usage} ({@code today}, {@code total}) to {@code body}; completes without it when the store
   * cannot be read. */
  private Future<Void> withUsage(JsonObject body) {
    return vertx.executeBlocking(() -> {
      Instant today = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant();
      return new JsonObject()
          .put("today", SelfServiceRoute.sum(usage.sum(today, null)))
          .put("total", SelfServiceRoute.sum(usage.sum(null, null)));
    }, false).<Void>map(sums -> {
      body.put("usage", sums);
      return null;
    }).otherwiseEmpty();
  }

  /**
   * {@code GET /health}: always 200 while the process runs; {@code status} is {@code ok} or {@code degraded}
   * (an upstream does not answer). Admins also get the version, uptime, each upstream's URL, latency and error,
   * and the usage; anyone else gets the status alone.
   */
  void health(RoutingContext context) {
    isAdmin(context).onComplete(admin -> probe.check().onComplete(ar -> {
      JsonArray upstreams = new JsonArray();
      boolean allReachable = true;
      if (ar.succeeded()) {
        for (UpstreamProbe.Result result : ar.result()) {
          allReachable &= result.reachable();
          JsonObject entry = new JsonObject()
              .put("name", result.name())
              .put("url", result.url())
              .put("reachable", result.reachable())
              .put("latency_ms", result.latencyMillis());
          if (result.error() != null) {
            entry.put("error", result.error());
          }
          upstreams.add(entry);
        }
      }
      JsonObject body = new JsonObject().put("status", allReachable ? "ok" : "degraded");
      if (!admin.result()) {
        json(context, 200, body);
        return;
      }
      body.put("version", BuildInfo.version())
          .put("uptime_seconds", Duration.between(started, Instant.now()).toSeconds())
          .put("upstreams", upstreams);
      withUsage(body).onComplete(done -> json(context, 200, body));
    }));
  }

  private static void json(RoutingContext context, int status, JsonObject body) {
    Answers.json(context.response(), status, body);
  }
}
