package io.ollamagateway.admin;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.PasswordChecks;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.auth.RequestAuth;
import io.ollamagateway.store.Role;
import io.ollamagateway.store.ApiKey;
import io.ollamagateway.store.ConflictException;
import io.ollamagateway.store.KeyLimits;
import io.ollamagateway.store.Quota;
import io.ollamagateway.store.User;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compatibility layer: the admin API of the quota proxy this gateway replaces (a FastAPI app on port 8001),
 * with its paths and its request and answer shapes, mapped onto the gateway's own users, keys and quotas, so that
 * its scripts and UI keep working. Served only on the admin listener ({@code ADMIN_PORT}), whose {@code /api/}
 * paths proxy nothing:
 * <ul>
 *   <li>{@code GET /api/users}, {@code POST /api/users} ({@code username}, {@code email}, {@code is_admin},
 *       {@code password}): users; {@code is_admin} is the role, a password becomes the web console's;</li>
 *   <li>{@code GET /api/api-keys}, {@code POST /api/api-keys} ({@code user_id}, {@code name}): keys, the new
 *       key's secret once as {@code api_key} (and {@code key});</li>
 *   <li>{@code PUT /api/api-keys/{id}/deactivate}: deactivates (the gateway can reactivate; it does not revoke);</li>
 *   <li>{@code PUT /api/quotas/{user_id}}: {@code daily_tokens}, {@code monthly_tokens}, {@code daily_requests},
 *       {@code monthly_requests}; {@code null} or absent is unlimited, as in the quota proxy.</li>
 * </ul>
 * Callers authenticate as with the admin API (an admin's key as {@code Authorization: Bearer}, or
 * {@code PROXY_AUTH_TOKEN}); errors are FastAPI's {@code {"detail": "..."}} with 401, 403, 404, 409 or 422.
 * Unknown request fields are ignored, as Pydantic does. Every change goes through {@link IdentityService}, so it is
 * validated, audited and takes effect at once like any other admin change.
 *
 * <p>Handlers run on event loops; store work goes to workers.
 */
public final class QuotaProxyApi {

  private static final Logger LOG = LoggerFactory.getLogger(QuotaProxyApi.class);
  private static final String PRINCIPAL = "principal";
  private static final long MAX_BODY = 64 * 1024;

  private final Vertx vertx;
  private final Authenticator authenticator;
  private final IdentityService service;
  private final Passwords passwords;
  private final PasswordChecks passwordChecks;
  private final Clock clock;

  public QuotaProxyApi(Vertx vertx, Authenticator authenticator, IdentityService service, Clock clock,
      PasswordChecks passwordChecks) {
    this.vertx = vertx;
    this.passwordChecks = passwordChecks;
    this.authenticator = authenticator;
    this.service = service;
    this.passwords = new Passwords(service.stores());
    this.clock = clock;
  }

  /** Mounts the routes (absolute paths under {@code /api/}) on the admin listener's router. */
  public void mount(Router router) {
    for (String path : List.of("/api/users", "/api/api-keys", "/api/api-keys/*", "/api/quotas/*")) {
      router.route(path).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(this::authenticate);
    }
    router.get("/api/users").handler(ctx -> answer(ctx, () -> new JsonArray(new ArrayList<>(service.users().stream()
        .map(this::user).toList()))));
    // a user created with a password hashes it: a few at a time, like every other password path
    router.post("/api/users").handler(ctx -> answer(ctx, hasPassword(ctx) ? passwordChecks.run(() -> createUser(ctx))
        : vertx.executeBlocking(() -> createUser(ctx), false)));
    router.get("/api/api-keys").handler(ctx -> answer(ctx, () -> new JsonArray(new ArrayList<>(
        service.keys(null).stream().map(this::key).toList()))));
    router.post("/api/api-keys").handler(ctx -> answer(ctx, () -> createKey(ctx)));
    router.put("/api/api-keys/:id/deactivate").handler(ctx -> answer(ctx, () -> {
      ApiKey key = service.key(id(ctx, "id"));
      ApiKey changed = key.withSettings(key.name(), key.expiresAt(), false, key.models(), key.limits());
      return key(service.updateKey(actor(ctx), changed));
    }));
    router.put("/api/quotas/:user_id").handler(ctx -> answer(ctx, () -> {
      JsonObject body = body(ctx);
      long userId = id(ctx, "user_id");
      Quota quota = service.setQuota(actor(ctx), userId, new Quota(whole(body, "daily_tokens"),
          whole(body, "monthly_tokens"), whole(body, "daily_requests"), whole(body, "monthly_requests")));
      return JsonViews.quota(userId, quota);
    }));
  }

  private JsonObject createUser(RoutingContext ctx) {
    JsonObject body = body(ctx);
    String name = text(body, "username");
    if (name == null) {
      name = text(body, "name");
    }
    if (name == null || name.isBlank()) {
      throw new InvalidInput("username", "field required");
    }
    Object admin = body.getValue("is_admin");
    if (admin != null && !(admin instanceof Boolean)) {
      throw new InvalidInput("is_admin", "must be true or false");
    }
    String password = text(body, "password");
    if (password != null && password.length() < Passwords.MIN_LENGTH) {
      // checked before the user exists, so that a refused password leaves nothing behind
      throw new InvalidInput("password", "at least " + Passwords.MIN_LENGTH + " characters (the gateway's web "
          + "console signs in with it)");
    }
    User user = service.createUser(actor(ctx), name, text(body, "email"),
        Boolean.TRUE.equals(admin) ? Role.ADMIN : Role.USER);
    if (password != null) {
      passwords.set(actor(ctx), user.id(), password);
    }
    return user(user);
  }

  private JsonObject createKey(RoutingContext ctx) {
    JsonObject body = body(ctx);
    Object userId = body.getValue("user_id");
    if (!(userId instanceof Integer || userId instanceof Long) || ((Number) userId).longValue() <= 0) {
      throw new InvalidInput("user_id", "field required: the id of the key's owner");
    }
    String name = text(body, "name");
    IdentityService.CreatedKey created = service.createKey(actor(ctx), ((Number) userId).longValue(),
        name == null || name.isBlank() ? "api-key" : name, null, List.of(), KeyLimits.NONE);
    return key(created.key()).put("api_key", created.secret()).put("key", created.secret());
  }

  /** A user as the quota proxy showed one, with the gateway's role and quota beside. */
  private JsonObject user(User user) {
    Quota quota = service.stores().users().quota(user.id());
    return new JsonObject()
        .put("id", user.id())
        .put("username", user.name())
        .put("email", user.email())
        .put("is_admin", user.role() == Role.ADMIN)
        .put("is_active", user.active())
        .put("created_at", JsonViews.time(user.createdAt()))
        .put("quota", JsonViews.quota(user.id(), quota));
  }

  /** A key as the quota proxy showed one: never its secret or hash. */
  private JsonObject key(ApiKey key) {
    Instant now = clock.instant();
    return new JsonObject()
        .put("id", key.id())
        .put("user_id", key.userId())
        .put("name", key.name())
        .put("key_prefix", key.prefix())
        .put("is_active", "active".equals(key.status(now)))
        .put("created_at", JsonViews.time(key.createdAt()))
        .put("last_used_at", JsonViews.time(key.lastUsedAt()))
        .put("expires_at", JsonViews.time(key.expiresAt()));
  }

  private void authenticate(RoutingContext ctx) {
    RequestAuth.requireAdmin(ctx, authenticator, "admin rights required").onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(PRINCIPAL, ar.result());
        ctx.next();
      } else if (ar.cause() instanceof ApiError apiError) {
        apiError.headers().forEach(ctx.response()::putHeader);
        detail(ctx, apiError.status(), apiError.getMessage());
      } else {
        LOG.error("quota proxy admin authentication failed unexpectedly", ar.cause());
        detail(ctx, 500, "internal gateway error");
      }
    });
  }

  private static boolean hasPassword(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      return body != null && body.getValue("password") != null;
    } catch (DecodeException | ClassCastException e) {
      return false; // createUser answers the malformed body
    }
  }

  private void answer(RoutingContext ctx, Callable<Object> work) {
    answer(ctx, vertx.executeBlocking(work, false));
  }

  private void answer(RoutingContext ctx, Future<Object> work) {
    work.onComplete(ar -> {
      if (ar.succeeded()) {
        Object result = ar.result();
        ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(result instanceof JsonArray array ? array.toBuffer() : ((JsonObject) result).toBuffer());
        return;
      }
      Throwable err = ar.cause();
      if (err instanceof InvalidInput invalid) {
        detail(ctx, 422, invalid.getMessage());
      } else if (err instanceof NotFound notFound) {
        detail(ctx, 404, notFound.getMessage());
      } else if (err instanceof ConflictException conflict) {
        detail(ctx, 409, conflict.getMessage());
      } else if (err instanceof ApiError busy && busy.status() == 429) {
        busy.headers().forEach(ctx.response()::putHeader);
        detail(ctx, 429, busy.getMessage());
      } else {
        LOG.error("quota proxy admin request {} {} failed", ctx.request().method(), ctx.request().path(), err);
        detail(ctx, 500, "internal gateway error; see the gateway's log");
      }
    });
  }

  private static void detail(RoutingContext ctx, int status, String message) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("detail", message).toBuffer());
    }
  }

  private static String actor(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    return (principal.userName() == null ? principal.clientId() : principal.clientId() + " ("
        + principal.userName() + ")") + " via quota proxy API";
  }

  private static long id(RoutingContext ctx, String name) {
    try {
      long id = Long.parseLong(ctx.pathParam(name));
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new InvalidInput(name, "must be a positive whole number");
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
      if (body != null) {
        return body;
      }
    } catch (DecodeException | ClassCastException e) {
      // answered below
    }
    throw new InvalidInput("body", "must be a JSON object");
  }

  private static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw new InvalidInput(field, "must be a string");
    }
    return (String) value;
  }

  /** A whole number, or {@code null} (absent or null: unlimited, as in the quota proxy). */
  private static Long whole(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidInput(field, "must be a whole number, or null for unlimited");
    }
    return ((Number) value).longValue();
  }
}
