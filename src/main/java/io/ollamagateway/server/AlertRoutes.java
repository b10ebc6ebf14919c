package io.ollamagateway.server;

import io.ollamagateway.api.Answers;
import io.ollamagateway.alerts.Alerts;
import io.ollamagateway.alerts.Delivery;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.ApiFamily;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.RequestAuth;
import io.ollamagateway.config.WebhookConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;

/**
 * The webhook part of the admin API: {@code GET /admin/api/webhooks} (the webhooks, without their secrets or
 * URL queries), {@code GET /admin/api/webhooks/deliveries} (the delivery log, newest first: the last 200
 * deliveries with status, attempts, last HTTP status and error, next attempt) and
 * {@code POST /admin/api/webhooks/deliveries/{id}/retry} (sends one again now). Admins only; errors in
 * Ollama's native shape. Runs on event loops.
 */
public final class AlertRoutes {

  private final Authenticator authenticator;
  private final Alerts alerts;

  public AlertRoutes(Authenticator authenticator, Alerts alerts) {
    this.authenticator = authenticator;
    this.alerts = alerts;
  }

  /** Mounts the routes on a router whose paths start at the server root. */
  public void mount(Router router) {
    router.get("/admin/api/webhooks").handler(this::webhooks);
    router.get("/admin/api/webhooks/deliveries").handler(this::deliveries);
    router.post("/admin/api/webhooks/deliveries/:id/retry").handler(this::retry);
  }

  private void webhooks(RoutingContext ctx) {
    admin(ctx).onSuccess(v -> {
      JsonArray hooks = new JsonArray();
      for (WebhookConfig hook : alerts.webhooks()) {
        hooks.add(new JsonObject().put("name", hook.name()).put("url", hook.displayUrl())
            .put("events", hook.events().isEmpty() ? new JsonArray().add("*")
                : new JsonArray(new ArrayList<>(new java.util.TreeSet<>(hook.events())))));
      }
      json(ctx, 200, hooks.toBuffer());
    });
  }

  private void deliveries(RoutingContext ctx) {
    admin(ctx).compose(v -> alerts.deliveries()).onSuccess(list -> {
      JsonArray rows = new JsonArray();
      for (Delivery delivery : list) {
        rows.add(delivery.toJson());
      }
      json(ctx, 200, rows.toBuffer());
    });
  }

  private void retry(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    admin(ctx).compose(v -> alerts.retry(id)).onSuccess(found -> {
      if (found.isEmpty()) {
        Answers.error(ctx.response(), ApiFamily.NATIVE, ApiError.notFound("no delivery '" + id
            + "' in the delivery log (it keeps the last 200)"));
      } else {
        json(ctx, 200, found.get().toJson().toBuffer());
      }
    });
  }

  private Future<Void> admin(RoutingContext context) {
    return RequestAuth.requireAdmin(context, authenticator, "this route needs an admin").<Void>mapEmpty()
        .onFailure(err -> Answers.failure(context.response(), ApiFamily.NATIVE, err));
  }

  private static void json(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
    Answers.json(ctx.response(), status, body);
  }
}
