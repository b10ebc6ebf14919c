package io.ollamagateway.admin;

import io.ollamagateway.api.Answers;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.RequestId;
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
import io.ollamagateway.store.UserCaps;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API, mounted under {@code /admin/api}: users, keys, the audit log, {@code /me} and the caller's own
 * keys and caps under {@code /me/} (self-service, {@link SelfService}). JSON in and out, snake_case. Every route
 * but those under {@code /me} needs an admin (role from the store, or the shared
 * {@code PROXY_AUTH_TOKEN}); errors are {@code {"error": "...", "field": "..."}} with 400 for bad input, 401/403
 * for the caller, 404 for unknown ids and 409 for conflicts.
 *
 * <p>Handlers run on event loops; every store call goes through {@link Vertx#executeBlocking} to a worker.
 */
public final class AdminApi {

  /** Where the admin API lives on a listener. */
  public static final String PREFIX = "/admin/api";

  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private static final String PRINCIPAL = "principal";
  private static final long MAX_BODY = 64 * 1024;

  private final Vertx vertx;
  private final Authenticator authenticator;
  private final IdentityService service;
  private final Clock clock;
  private final Passwords passwords;
  private final PasswordChecks passwordChecks;
  private final SelfService self;

  /**
   * @param passwordChecks where passwords are hashed, a few at a time (shared with the web console)
   * @param maxGrace {@code KEY_ROTATION_MAX_GRACE}, the default cap of a user's rotation grace
   */
  public AdminApi(Vertx vertx, Authenticator authenticator, IdentityService service, Clock clock,
      PasswordChecks passwordChecks, java.time.Duration maxGrace) {
    this.passwordChecks = passwordChecks;
    this.vertx = vertx;
    this.authenticator = authenticator;
    this.service = service;
    this.clock = clock;
    this.passwords = new Passwords(service.stores());
    this.self = new SelfService(service, clock, maxGrace);
  }

  /** A router to mount at {@link #PREFIX}. */
  public Router router() {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    router.route().handler(this::authenticate);
    router.get("/me").handler(this::me);
    mountSelfService(router);
    router.route().handler(this::requireAdmin);
    router.get("/users").handler(ctx -> answer(ctx, 200, () -> array(service(ctx).users().stream()
        .map(JsonViews::user).toList())));
    router.post("/users").handler(ctx -> answer(ctx, 201, () -> {
      JsonObject body = body(ctx, Set.of("name", "email", "role"));
      String role = optionalString(body, "role");
      return JsonViews.user(service(ctx).createUser(actor(ctx), requiredString(body, "name"),
          optionalString(body, "email"), role == null ? Role.USER : IdentityService.parseRole(role)));
    }));
    router.get("/users/:id").handler(ctx -> answer(ctx, 200, () -> JsonViews.user(service(ctx).user(id(ctx)))));
    router.patch("/users/:id").handler(ctx -> answer(ctx, 200, () -> updateUser(ctx)));
    router.put("/users/:id").handler(ctx -> answer(ctx, 200, () -> updateUser(ctx)));
    router.get("/users/:id/quota").handler(ctx -> answer(ctx, 200, () -> JsonViews.quota(id(ctx),
        service(ctx).quota(id(ctx)))));
    router.put("/users/:id/quota").handler(ctx -> answer(ctx, 200, () -> {
      JsonObject body = body(ctx, Set.of("daily_tokens", "monthly_tokens", "daily_requests", "monthly_requests"));
      Quota quota = new Quota(whole(body, "daily_tokens"), whole(body, "monthly_tokens"),
          whole(body, "daily_requests"), whole(body, "monthly_requests"));
      return JsonViews.quota(id(ctx), service(ctx).setQuota(actor(ctx), id(ctx), quota));
    }));
    router.get("/users/:id/caps").handler(ctx -> answer(ctx, 200, () -> {
      UserCaps caps = service.caps(id(ctx));
      return JsonViews.caps(id(ctx), caps, self.maxGraceSeconds(caps));
    }));
    router.put("/users/:id/caps").handler(ctx -> answer(ctx, 200, () -> {
      JsonObject body = body(ctx, Set.of("max_keys", "models", "requests_per_minute", "requests_per_hour",
          "tokens_per_minute", "max_concurrent", "max_rotation_grace_seconds"));
      Long maxKeys = whole(body, "max_keys");
      if (maxKeys != null && maxKeys > Integer.MAX_VALUE) {
        throw new InvalidInput("max_keys", "too large");
      }
      UserCaps caps = service(ctx).setCaps(actor(ctx), id(ctx), new UserCaps(maxKeys == null ? null : maxKeys.intValue(),
          models(body), limits(body, KeyLimits.NONE), whole(body, "max_rotation_grace_seconds")));
      return JsonViews.caps(id(ctx), caps, self.maxGraceSeconds(caps));
    }));
    router.delete("/users/:id").handler(ctx -> answer(ctx, 204, () -> {
      service(ctx).deleteUser(actor(ctx), id(ctx));
      return null;
    }));
    router.put("/users/:id/password").handler(ctx -> answer(ctx, 204, passwordChecks.run(() -> {
      passwords.set(actor(ctx), id(ctx), requiredString(body(ctx, Set.of("password")), "password"),
          RequestId.of(ctx.response()));
      return null;
    })));
    router.get("/keys").handler(ctx -> answer(ctx, 200, () -> {
      String user = ctx.request().getParam("user_id");
      Long userId = user == null ? null : parseId("user_id", user);
      Instant now = clock.instant();
      return array(service(ctx).keys(userId).stream().map(k -> JsonViews.key(k, now)).toList());
    }));
    router.post("/keys").handler(ctx -> answer(ctx, 201, () -> createKey(ctx)));
    router.post("/keys/import").handler(ctx -> answer(ctx, 201, () -> importKeys(ctx)));
    router.get("/keys/:id").handler(ctx -> answer(ctx, 200, () -> JsonViews.key(service(ctx).key(id(ctx)),
        clock.instant())));
    router.patch("/keys/:id").handler(ctx -> answer(ctx, 200, () -> updateKey(ctx)));
    router.put("/keys/:id").handler(ctx -> answer(ctx, 200, () -> updateKey(ctx)));
    router.delete("/keys/:id").handler(ctx -> answer(ctx, 200, () -> JsonViews.key(
        service(ctx).revokeKey(actor(ctx), id(ctx)), clock.instant())));
    router.post("/keys/:id/revoke").handler(ctx -> answer(ctx, 200, () -> JsonViews.key(
        service(ctx).revokeKey(actor(ctx), id(ctx)), clock.instant())));
    router.get("/audit").handler(ctx -> answer(ctx, 200, () -> {
      String limit = ctx.request().getParam("limit");
      String before = ctx.request().getParam("before");
      String requestId = ctx.request().getParam("request_id");
      int n = limit == null ? 100 : (int) Math.min(1000, parseId("limit", limit));
      if (requestId != null && !RequestId.valid(requestId)) {
        throw new InvalidInput("request_id", "must be 1 to " + RequestId.MAX_LENGTH
            + " letters, digits or . _ : -");
      }
      return array(service.stores().audit().list(n, before == null ? null : parseId("before", before),
          requestId).stream().map(JsonViews::audit).toList());
    }));
    router.route().handler(ctx -> error(ctx, 404, "no admin route " + ctx.request().method() + " "
        + ctx.request().path(), null));
    router.route().failureHandler(ctx -> {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      error(ctx, status, status == 413 ? "request body is larger than " + MAX_BODY + " bytes"
          : "admin request failed", null);
    });
    return router;
  }

  private void authenticate(RoutingContext ctx) {
    RequestAuth.authenticate(ctx, authenticator).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(PRINCIPAL, ar.result());
        ctx.next();
      } else if (ar.cause() instanceof ApiError apiError) {
        apiError.headers().forEach(ctx.response()::putHeader);
        error(ctx, apiError.status(), apiError.getMessage(), null);
      } else {
        LOG.error("admin authentication failed unexpectedly", ar.cause());
        error(ctx, 500, "internal gateway error", null);
      }
    });
  }

  /**
   * The caller's own keys and caps under {@code /me} (self-service): any signed-in user, about themselves only.
   * A key id of another user answers 404, as an unknown one.
   */
  private void mountSelfService(Router router) {
    router.get("/me/caps").handler(ctx -> answer(ctx, 200, () -> {
      long user = SelfService.userOf(ctx.get(PRINCIPAL));
      UserCaps caps = self.caps(user);
      return JsonViews.caps(user, caps, self.maxGraceSeconds(caps));
    }));
    router.get("/me/keys").handler(ctx -> answer(ctx, 200, () -> {
      Instant now = clock.instant();
      return array(self.keys(SelfService.userOf(ctx.get(PRINCIPAL))).stream().map(k -> JsonViews.key(k, now))
          .toList());
    }));
    router.post("/me/keys").handler(ctx -> answer(ctx, 201, () -> {
      JsonObject body = body(ctx, Set.of("name", "expires_at", "models", "requests_per_minute",
          "requests_per_hour", "tokens_per_minute", "max_concurrent"));
      long user = SelfService.userOf(ctx.get(PRINCIPAL));
      return JsonViews.createdKey(self(ctx).createKey(actor(ctx), user, requiredString(body, "name"),
          instant(body, "expires_at"), models(body), limits(body, KeyLimits.NONE)), clock.instant());
    }));
    router.get("/me/keys/:id").handler(ctx -> answer(ctx, 200, () -> JsonViews.key(
        self.key(SelfService.userOf(ctx.get(PRINCIPAL)), id(ctx)), clock.instant())));
    router.patch("/me/keys/:id").handler(ctx -> answer(ctx, 200, () -> {
      JsonObject body = body(ctx, Set.of("name"));
      return JsonViews.key(self(ctx).renameKey(actor(ctx), SelfService.userOf(ctx.get(PRINCIPAL)), id(ctx),
          requiredString(body, "name")), clock.instant());
    }));
    router.post("/me/keys/:id/rotate").handler(ctx -> answer(ctx, 201, () -> {
      JsonObject body = body(ctx, Set.of("grace_seconds"));
      SelfService.Rotated rotated = self(ctx).rotateKey(actor(ctx), SelfService.userOf(ctx.get(PRINCIPAL)), id(ctx),
          whole(body, "grace_seconds"));
      Instant now = clock.instant();
      return JsonViews.createdKey(rotated.created(), now).put("grace_seconds", rotated.graceSeconds())
          .put("old_key", JsonViews.key(rotated.old(), now));
    }));
    router.post("/me/keys/:id/revoke").handler(ctx -> answer(ctx, 200, () -> JsonViews.key(
        self(ctx).revokeKey(actor(ctx), SelfService.userOf(ctx.get(PRINCIPAL)), id(ctx)), clock.instant())));
    router.delete("/me/keys/:id").handler(ctx -> answer(ctx, 200, () -> JsonViews.key(
        self(ctx).revokeKey(actor(ctx), SelfService.userOf(ctx.get(PRINCIPAL)), id(ctx)), clock.instant())));
  }

  private SelfService self(RoutingContext ctx) {
    return self.forRequest(RequestId.of(ctx.response()));
  }

  private void requireAdmin(RoutingContext ctx) {
    RequestAuth.requireAdmin((Principal) ctx.get(PRINCIPAL), "the admin API needs an admin key; your role is 'user'")
        .onSuccess(admin -> ctx.next())
        .onFailure(err -> error(ctx, 403, err.getMessage(), null));
  }

  private void me(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    answer(ctx, 200, () -> {
      JsonObject me = new JsonObject()
          .put("client_id", principal.clientId())
          .put("role", IdentityService.roleName(principal.role()))
          .put("user", principal.userId() == null ? null : JsonViews.user(service(ctx).user(principal.userId())))
          .put("key", principal.keyId() == null ? null : JsonViews.key(service(ctx).key(principal.keyId()),
              clock.instant()));
      KeyLimits limits = principal.limits();
      return me.put("limits", new JsonObject()
          .put("models", new JsonArray(principal.models()))
          .put("requests_per_minute", limits.requestsPerMinute())
          .put("requests_per_hour", limits.requestsPerHour())
          .put("tokens_per_minute", limits.tokensPerMinute())
          .put("max_concurrent", limits.maxConcurrent()));
    });
  }

  private JsonObject updateUser(RoutingContext ctx) {
    JsonObject body = body(ctx, Set.of("email", "role", "active"));
    String role = optionalString(body, "role");
    String email = body.containsKey("email") ? (body.getValue("email") == null ? "" : optionalString(body, "email"))
        : null;
    return JsonViews.user(service(ctx).updateUser(actor(ctx), id(ctx), email,
        role == null ? null : IdentityService.parseRole(role), optionalBoolean(body, "active")));
  }

  private JsonObject createKey(RoutingContext ctx) {
    JsonObject body = body(ctx, Set.of("name", "user_id", "expires_at", "models", "requests_per_minute",
        "requests_per_hour", "tokens_per_minute", "max_concurrent"));
    Object userId = body.getValue("user_id");
    if (!(userId instanceof Number number) || number.longValue() <= 0) {
      throw new InvalidInput("user_id", "required, the id of the key's owner");
    }
    IdentityService.CreatedKey created = service(ctx).createKey(actor(ctx), number.longValue(),
        requiredString(body, "name"), instant(body, "expires_at"), models(body), limits(body, KeyLimits.NONE));
    return JsonViews.createdKey(created, clock.instant());
  }

  /**
   * {@code POST /keys/import}: {@code keys} (an array of strings or of objects with {@code key} and
   * {@code name}), or {@code text} (a file's content: one key a line, or JSON) read as {@code format}; owner,
   * name and settings as for a created key. All or none; the answer lists the keys without their secrets.
   */
  private JsonObject importKeys(RoutingContext ctx) {
    JsonObject body = body(ctx, Set.of("user_id", "keys", "text", "format", "hashed", "name", "expires_at", "models",
        "requests_per_minute", "requests_per_hour", "tokens_per_minute", "max_concurrent"));
    Object userId = body.getValue("user_id");
    if (!(userId instanceof Number number) || number.longValue() <= 0) {
      throw new InvalidInput("user_id", "required, the id of the keys' owner");
    }
    Object keys = body.getValue("keys");
    String text = optionalString(body, "text");
    if ((keys == null) == (text == null)) {
      throw new InvalidInput("keys", "give either keys (an array) or text (a file's content), not both");
    }
    boolean hashed = Boolean.TRUE.equals(optionalBoolean(body, "hashed"));
    List<KeyImport.Entry> entries;
    if (keys != null) {
      if (!(keys instanceof JsonArray array)) {
        throw new InvalidInput("keys", "must be an array of keys, or of objects with a key field");
      }
      entries = KeyImport.parse(array.encode(), KeyImport.Format.JSON, hashed);
    } else {
      entries = KeyImport.parse(text, KeyImport.Format.parse(optionalString(body, "format")), hashed);
    }
    String name = optionalString(body, "name");
    List<ApiKey> imported = service(ctx).importKeys(actor(ctx), number.longValue(), entries, hashed, name,
        instant(body, "expires_at"), models(body), limits(body, KeyLimits.NONE));
    Instant now = clock.instant();
    return new JsonObject().put("imported", imported.size())
        .put("keys", array(imported.stream().map(k -> JsonViews.key(k, now)).toList()));
  }

  private JsonObject updateKey(RoutingContext ctx) {
    JsonObject body = body(ctx, Set.of("name", "expires_at", "models", "requests_per_minute", "requests_per_hour",
        "tokens_per_minute", "max_concurrent", "active"));
    ApiKey key = service(ctx).key(id(ctx));
    String name = body.containsKey("name") ? requiredString(body, "name") : key.name();
    Instant expires = body.containsKey("expires_at") ? instant(body, "expires_at") : key.expiresAt();
    List<String> models = body.containsKey("models") ? models(body) : key.models();
    Boolean active = optionalBoolean(body, "active");
    ApiKey changed = key.withSettings(name, expires, active == null ? key.active() : active,
        models == null ? List.of() : models, limits(body, key.limits()));
    return JsonViews.key(service(ctx).updateKey(actor(ctx), changed), clock.instant());
  }

  /** Runs {@code work} on a worker and answers with its JSON (or no body for 204), or with its error. */
  private void answer(RoutingContext ctx, int status, Callable<Object> work) {
    answer(ctx, status, vertx.executeBlocking(work, false));
  }

  private void answer(RoutingContext ctx, int status, Future<Object> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        if (status == 204 || ar.result() == null) {
          ctx.response().setStatusCode(204).end();
        } else {
          Answers.json(ctx.response(), status,
              ar.result() instanceof JsonArray array ? array.toBuffer() : ((JsonObject) ar.result()).toBuffer());
        }
        return;
      }
      Throwable err = ar.cause();
      if (err instanceof InvalidInput invalid) {
        error(ctx, 400, invalid.getMessage(), invalid.field());
      } else if (err instanceof Forbidden forbidden) {
        error(ctx, 403, forbidden.getMessage(), null);
      } else if (err instanceof NotFound notFound) {
        error(ctx, 404, notFound.getMessage(), null);
      } else if (err instanceof ConflictException conflict) {
        error(ctx, 409, conflict.getMessage(), null);
      } else if (err instanceof ApiError refused) {
        refused.headers().forEach(ctx.response()::putHeader);
        error(ctx, refused.status(), refused.getMessage(), null);
      } else {
        LOG.error("admin request {} {} failed", ctx.request().method(), ctx.request().path(), err);
        error(ctx, 500, "internal gateway error; see the gateway's log", null);
      }
    });
  }

  private static void error(RoutingContext ctx, int status, String message, String field) {
    if (ctx.response().ended()) {
      return;
    }
    JsonObject body = new JsonObject().put("error", message);
    if (field != null) {
      body.put("field", field);
    }
    String requestId = RequestId.of(ctx.response());
    if (requestId != null) {
      body.put("request_id", requestId);
    }
    Answers.json(ctx.response(), status, body);
  }

  /** The service, auditing with this admin request's id. */
  private IdentityService service(RoutingContext ctx) {
    return service.forRequest(RequestId.of(ctx.response()));
  }

  private static String actor(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    return principal.userName() == null ? principal.clientId() : principal.clientId() + " (" + principal.userName()
        + ")";
  }

  private static JsonArray array(List<JsonObject> items) {
    return new JsonArray(new ArrayList<>(items));
  }

  private static long id(RoutingContext ctx) {
    return parseId("id", ctx.pathParam("id"));
  }

  private static long parseId(String field, String text) {
    try {
      long id = Long.parseLong(text.trim());
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new InvalidInput(field, "must be a positive whole number");
  }

  private static JsonObject body(RoutingContext ctx, Set<String> allowed) {
    JsonObject body;
    try {
      body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidInput("body", "must be a JSON object");
    }
    if (body == null) {
      throw new InvalidInput("body", "must be a JSON object");
    }
    for (String field : body.fieldNames()) {
      if (!allowed.contains(field)) {
        throw new InvalidInput(field, "unknown field; expected one of " + new java.util.TreeSet<>(allowed));
      }
    }
    return body;
  }

  private static String requiredString(JsonObject body, String field) {
    String value = optionalString(body, field);
    if (value == null || value.isBlank()) {
      throw new InvalidInput(field, "required");
    }
    return value;
  }

  private static String optionalString(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw new InvalidInput(field, "must be a string");
    }
    return (String) value;
  }

  private static Boolean optionalBoolean(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof Boolean)) {
      throw new InvalidInput(field, "must be true or false");
    }
    return (Boolean) value;
  }

  private static Instant instant(JsonObject body, String field) {
    String text = optionalString(body, field);
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new InvalidInput(field, "must be an ISO-8601 UTC time such as 2027-01-31T00:00:00Z, or null");
    }
  }

  private static List<String> models(JsonObject body) {
    Object value = body.getValue("models");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new InvalidInput("models", "must be an array of model names or globs");
    }
    List<String> models = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof String text)) {
        throw new InvalidInput("models", "must be an array of strings");
      }
      models.add(text.trim());
    }
    return models;
  }

  /** The key limits in {@code body}; a field that is absent keeps its value in {@code current}. */
  private static KeyLimits limits(JsonObject body, KeyLimits current) {
    return new KeyLimits(
        body.containsKey("requests_per_minute") ? whole(body, "requests_per_minute") : current.requestsPerMinute(),
        body.containsKey("requests_per_hour") ? whole(body, "requests_per_hour") : current.requestsPerHour(),
        body.containsKey("tokens_per_minute") ? whole(body, "tokens_per_minute") : current.tokensPerMinute(),
        body.containsKey("max_concurrent") ? whole(body, "max_concurrent") : current.maxConcurrent());
  }

  /** A whole number, or {@code null} (no limit); its range is checked by {@link IdentityService}. */
  private static Long whole(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidInput(field, "must be a whole number, or null for no limit");
    }
    return ((Number) value).longValue();
  }


}
