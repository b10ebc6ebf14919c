package io.ollamagateway.ui;

import io.ollamagateway.api.Answers;
import io.ollamagateway.api.RequestId;
import io.ollamagateway.admin.ClasspathResources;
import io.ollamagateway.admin.Passwords;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.auth.Authenticator;
import io.ollamagateway.auth.Credentials;
import io.ollamagateway.auth.PasswordChecks;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.auth.RequestAuth;
import io.ollamagateway.net.TrustedProxies;
import io.ollamagateway.store.ApiKey;
import io.ollamagateway.store.KeyLimits;
import io.ollamagateway.store.Quota;
import io.ollamagateway.store.Stores;
import io.ollamagateway.store.User;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console: its static pages under {@code /ui/} (plain JavaScript modules and CSS from the jar, uPlot
 * from its webjar; nothing from the network), sign-in and sign-out at {@code /ui/session}, and the session
 * cookie as a way to call the admin API.
 *
 * <p>Sign-in takes an API key (or {@code PROXY_AUTH_TOKEN}) or a user name and password. An admin's session
 * reaches the whole admin API; a user's session (role {@code user}) reaches only the self-service routes under
 * {@code /admin/api/me} (their own usage, limits and keys), here and again in each route. The session cookie is
 * HttpOnly, SameSite=Strict, Path=/, and Secure when the request came over TLS; sessions end after
 * {@code UI_SESSION_IDLE_TIMEOUT} without use, at sign-out, and when the user or key stops being active or the
 * user's role changes (checked on each request). A request authenticated by the cookie must carry the session's
 * {@code X-CSRF-Token} unless it is a GET or HEAD. Requests with an {@code Authorization} or {@code x-api-key}
 * header are authenticated by that header alone, as before. Failed sign-ins are logged (never with the
 * secret) and each further attempt from the same address or for the same user waits longer. Passwords are
 * checked a few at a time ({@link PasswordChecks}): a sign-in that finds them all busy gets 429 with
 * {@code Retry-After} at once. The address is the real client address ({@link TrustedProxies}).
 *
 * <p>Handlers run on event loops; the store and password hashing run on workers; waits are timers.
 */
public final class WebConsole {

  /** The session cookie's name. */
  public static final String COOKIE = "og_session";
  /** The header that carries the CSRF token on changes. */
  public static final String CSRF_HEADER = "X-CSRF-Token";

  private static final Logger LOG = LoggerFactory.getLogger(WebConsole.class);
  private static final String SELF_SERVICE = "/admin/api/me";
  private static final String ENDED = "your console session has ended: its user or key is no longer active, or "
      + "its role changed; sign in again";
  private static final String ASSETS = "io/ollamagateway/ui/";
  /** The console's own files under {@link #ASSETS}; only these are served, so a new file is listed here. */
  private static final List<String> FILES = List.of("index.html", "console.css", "js/main.js", "js/api.js",
      "js/dom.js", "js/chart.js", "js/dashboard.js", "js/users.js", "js/keys.js", "js/upstreams.js",
      "js/audit.js", "js/requests.js", "js/webhooks.js", "js/mykeys.js", "js/keyparts.js");
  private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
      + "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
      + "form-action 'self'";

  private record Asset(String contentType, Buffer content) {
  }

  private final Vertx vertx;
  private final Authenticator authenticator;
  private final Stores stores;
  private final Passwords passwords;
  private final PasswordChecks passwordChecks;
  private final TrustedProxies proxies;
  private final Clock clock;
  private final Sessions sessions;
  private final SignInThrottle throttle;
  private final Map<String, Asset> assets;
  private final long sweeper;

  /**
   * @param idleTimeout {@code UI_SESSION_IDLE_TIMEOUT}: a session unused this long is gone
   * @param proxies who tells the real client address, for the sign-in delays and the log
   * @param passwordChecks where passwords are hashed, a few at a time; beyond that a sign-in gets 429 at once
   */
  public WebConsole(Vertx vertx, Authenticator authenticator, Stores stores, Clock clock, Duration idleTimeout,
      TrustedProxies proxies, PasswordChecks passwordChecks) {
    this.proxies = proxies;
    this.passwordChecks = passwordChecks;
    this.vertx = vertx;
    this.authenticator = authenticator;
    this.stores = stores;
    this.passwords = new Passwords(stores);
    this.clock = clock;
    this.sessions = new Sessions(idleTimeout.toMillis(), clock::millis);
    this.throttle = new SignInThrottle(clock::millis);
    this.assets = loadAssets();
    this.sweeper = vertx.setPeriodic(60_000, id -> {
      sessions.expire();
      throttle.forgetOld();
    });
  }

  /**
   * Mounts the console and the session check of the admin API on a router whose paths start at the server
   * root. Call it before anything else under {@code /admin/api} is mounted, so that the check runs first.
   */
  public void mount(Router router) {
    router.route("/admin/api/*").handler(this::adminSession);
    router.get("/ui").handler(ctx -> { // the route also matches "/ui/"
      if (ctx.request().path().equals("/ui")) {
        ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, "/ui/").end();
      } else {
        ctx.next();
      }
    });
    router.post("/ui/session").handler(BodyHandler.create(false).setBodyLimit(8 * 1024)).handler(this::signIn);
    router.get("/ui/session").handler(this::current);
    router.delete("/ui/session").handler(this::signOut);
    router.get("/ui/*").handler(this::asset);
    router.route("/ui/*").handler(ctx -> error(ctx, 404, "no console route " + ctx.request().method() + " "
        + ctx.request().path()));
  }

  /** Stops the periodic clean-up. */
  public void close() {
    vertx.cancelTimer(sweeper);
  }

  // -------------------------------------------------------------------------------------------------------
  // the admin API with a session cookie

  private void adminSession(RoutingContext ctx) {
    MultiMap headers = ctx.request().headers();
    Cookie cookie = ctx.request().getCookie(COOKIE);
    if (cookie == null || headers.contains(HttpHeaders.AUTHORIZATION) || headers.contains("x-api-key")) {
      ctx.next(); // keys and tokens work as before; a cookie is ignored beside them
      return;
    }
    Optional<Sessions.Session> found = sessions.use(cookie.getValue());
    if (found.isEmpty()) {
      error(ctx, 401, "your console session has expired or was signed out; sign in again");
      return;
    }
    Sessions.Session session = found.get();
    HttpMethod method = ctx.request().method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD && !session.csrfMatches(headers.get(CSRF_HEADER))) {
      error(ctx, 403, "a change made with the console's session cookie needs the session's " + CSRF_HEADER
          + " header");
      return;
    }
    if (!session.principal.isAdmin() && !isSelfService(ctx.normalizedPath())) {
      error(ctx, 403, "this route needs an admin; a user's console session reaches only " + SELF_SERVICE + "/...");
      return;
    }
    ctx.request().pause(); // the admin API's body handler comes after this asynchronous check
    vertx.executeBlocking(() -> stillValid(session), false).onComplete(ar -> {
      ctx.request().resume();
      if (ar.succeeded() && ar.result()) {
        RequestAuth.attach(ctx, session.principal);
        ctx.next();
      } else {
        if (ar.failed()) {
          LOG.error("console session check failed", ar.cause());
        }
        sessions.remove(cookie.getValue());
        error(ctx, 401, ENDED);
      }
    });
  }

  /** The self-service routes, the only part of the admin API a user's session reaches. */
  private static boolean isSelfService(String path) {
    return path != null && (path.equals(SELF_SERVICE) || path.startsWith(SELF_SERVICE + "/"));
  }

  /**
   * Whether the session's user (and key) is still active with the role it signed in with; the store is the
   * truth. Blocks.
   */
  private boolean stillValid(Sessions.Session session) {
    if (session.userId == null) {
      return true; // the shared token: valid until the gateway restarts with another
    }
    Optional<User> user = stores.users().find(session.userId);
    if (user.isEmpty() || !user.get().active() || user.get().role() != session.principal.role()) {
      return false;
    }
    if (session.keyId == null) {
      return true;
    }
    Optional<ApiKey> key = stores.keys().find(session.keyId);
    return key.isPresent() && "active".equals(key.get().status(clock.instant()));
  }

  // -------------------------------------------------------------------------------------------------------
  // sign-in, session, sign-out

  private void signIn(RoutingContext ctx) {
    noStore(ctx);
    if (!sameOrigin(ctx)) {
      error(ctx, 403, "sign-in is accepted only from the console's own origin");
      return;
    }
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      error(ctx, 415, "send the sign-in as application/json");
      return;
    }
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    String key = body == null ? null : string(body, "key");
    String username = body == null ? null : string(body, "username");
    String password = body == null ? null : string(body, "password");
    boolean withKey = key != null && !key.isBlank() && username == null;
    boolean withPassword = username != null && !username.isBlank() && password != null && key == null;
    if (!withKey && !withPassword) {
      error(ctx, 400, "send either {\"key\": \"sk-...\"} or {\"username\": \"...\", \"password\": \"...\"}");
      return;
    }
    String address = proxies.client(ctx.request());
    String[] subjects = withKey ? new String[] {"ip:" + address}
        : new String[] {"ip:" + address, "user:" + username.trim().toLowerCase(Locale.ROOT)};
    long delay = throttle.begin(subjects);
    Attempt attempt = new Attempt(ctx, address, withKey ? "an API key" : "user '" + username.trim() + "'", subjects);
    Runnable check = withKey ? () -> signInWithKey(attempt, key.trim()) : () -> signInWithPassword(attempt,
        username.trim(), password);
    if (delay == 0) {
      check.run();
    } else {
      vertx.setTimer(delay, id -> check.run());
    }
  }

  /** One sign-in attempt: who tried, from where, and what its throttle counts are. */
  private record Attempt(RoutingContext ctx, String address, String who, String[] subjects) {
  }

  private void signInWithKey(Attempt attempt, String key) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.AUTHORIZATION, "Bearer " + key);
    authenticator.authenticate(Credentials.from(headers)).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof ApiError e && e.status() == 403) {
        refuse(attempt, 403, e.getMessage()); // a valid key that may not be used (its message says why)
      } else if (ar.failed()) {
        refuse(attempt, 401, "wrong API key: it is unknown, revoked, expired or deactivated");
      } else if (!ar.result().isAdmin() && ar.result().userId() == null) {
        refuse(attempt, 403, "this key belongs to no user; sign in with a user's API key or password");
      } else {
        Principal principal = ar.result();
        succeed(attempt, principal, principal.keyId() == null ? "shared-token" : "key");
      }
    });
  }

  private void signInWithPassword(Attempt attempt, String username, String password) {
    passwordChecks.run(() -> passwords.check(username, password)).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof ApiError busy && busy.status() == 429) {
        // the password was not checked: the attempt still counts towards the sign-in delays
        LOG.debug("web console sign-in for {} from {} refused: {}", attempt.who, attempt.address, busy.getMessage());
        RoutingContext ctx = attempt.ctx;
        busy.headers().forEach(ctx.response()::putHeader);
        error(ctx, 429, "too many sign-ins are being checked at once; try again in a second");
      } else if (ar.failed()) {
        LOG.error("console sign-in check failed", ar.cause());
        error(attempt.ctx, 500, "internal gateway error; see the gateway's log");
      } else if (ar.result().isEmpty()) {
        refuse(attempt, 401, "wrong user name or password");
      } else if (!ar.result().get().active()) {
        refuse(attempt, 403, "this user is deactivated");
      } else {
        User user = ar.result().get();
        // No key, so no key limits; console calls are not metered, so the quota does not matter here.
        succeed(attempt, new Principal("user:" + user.id(), user.role(), null, user.id(), user.name(), List.of(),
            KeyLimits.NONE, Quota.NONE), "password");
      }
    });
  }

  private void refuse(Attempt attempt, int status, String message) {
    int attempts = 0;
    for (String subject : attempt.subjects) {
      attempts = Math.max(attempts, throttle.attempts(subject));
    }
    long next = SignInThrottle.delayAfter(attempts);
    LOG.warn("web console sign-in refused for {} from {}: {} ({} attempts since the last success)", attempt.who,
        attempt.address, message, attempts);
    RoutingContext ctx = attempt.ctx;
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    Answers.json(ctx.response(), status, new JsonObject().put("error", message).put("next_attempt_delay_ms", next));
  }

  private void succeed(Attempt attempt, Principal principal, String method) {
    throttle.succeeded(attempt.subjects);
    Sessions.Created created = sessions.create(principal, principal.userId(), principal.keyId(), method);
    RoutingContext ctx = attempt.ctx;
    String actor = actor(principal);
    LOG.info("web console sign-in: {} with {} from {}", actor, method, attempt.address);
    audit(ctx, actor, "console.sign_in", "method=" + method + " from " + attempt.address).onComplete(ignored -> {
      if (ctx.response().ended() || ctx.response().closed()) {
        sessions.remove(created.id());
        return;
      }
      ctx.response().addCookie(cookie(ctx, created.id()));
      json(ctx, 200, describe(created.session()));
    });
  }

  private void current(RoutingContext ctx) {
    noStore(ctx);
    Cookie cookie = ctx.request().getCookie(COOKIE);
    Optional<Sessions.Session> found = cookie == null ? Optional.empty() : sessions.use(cookie.getValue());
    if (found.isEmpty()) {
      error(ctx, 401, "not signed in");
      return;
    }
    vertx.executeBlocking(() -> stillValid(found.get()), false).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        json(ctx, 200, describe(found.get()));
      } else {
        sessions.remove(cookie.getValue());
        error(ctx, 401, ENDED);
      }
    });
  }

  private void signOut(RoutingContext ctx) {
    noStore(ctx);
    Cookie cookie = ctx.request().getCookie(COOKIE);
    Optional<Sessions.Session> found = cookie == null ? Optional.empty() : sessions.use(cookie.getValue());
    if (found.isPresent()) {
      if (!found.get().csrfMatches(ctx.request().getHeader(CSRF_HEADER))) {
        error(ctx, 403, "signing out needs the session's " + CSRF_HEADER + " header");
        return;
      }
      sessions.remove(cookie.getValue());
      audit(ctx, actor(found.get().principal), "console.sign_out", null).onComplete(ignored -> signedOut(ctx));
    } else {
      signedOut(ctx);
    }
  }

  private static void signedOut(RoutingContext ctx) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().addCookie(cookie(ctx, "").setMaxAge(0));
      ctx.response().setStatusCode(204).end();
    }
  }

  private JsonObject describe(Sessions.Session session) {
    Principal principal = session.principal;
    return new JsonObject()
        .put("method", session.method)
        .put("role", principal.isAdmin() ? "admin" : "user")
        .put("client_id", principal.clientId())
        .put("user", principal.userId() == null ? null
            : new JsonObject().put("id", principal.userId()).put("name", principal.userName()))
        .put("key_id", principal.keyId())
        .put("csrf_token", session.csrfToken)
        .put("idle_timeout_seconds", sessions.idleMillis() / 1000);
  }

  /**
   * The session cookie. Secure when the browser reached us over TLS: directly, or through a TLS-terminating
   * proxy that says so with {@code X-Forwarded-Proto: https}. Trusting that header can only make the cookie
   * stricter (a Secure cookie is never sent over plain HTTP), never weaker.
   */
  private static Cookie cookie(RoutingContext ctx, String value) {
    String forwarded = ctx.request().getHeader("X-Forwarded-Proto");
    boolean tls = ctx.request().isSSL() || (forwarded != null && forwarded.trim().equalsIgnoreCase("https"));
    return Cookie.cookie(COOKIE, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(tls);
  }

  /**
   * A browser sends {@code Origin} with every POST; when it names another site, refuse, so that another page
   * cannot sign a visitor in to an account of its choosing. Clients without {@code Origin} (curl) pass.
   */
  private static boolean sameOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      return true;
    }
    try {
      URI uri = URI.create(origin);
      String host = ctx.request().getHeader(HttpHeaders.HOST);
      String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
      return host != null && uri.getHost() != null && host.equalsIgnoreCase(authority);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Writes one audit entry on a worker. The caller answers the browser only once this completes, so that the
   * entry is in the audit log by the time the client sees the result (a failed write is logged, and does not
   * change the answer: the session itself was already created or removed).
   */
  private Future<Void> audit(RoutingContext ctx, String actor, String action, String detail) {
    String requestId = RequestId.of(ctx.response());
    return vertx.<Void>executeBlocking(() -> {
      stores.audit().forRequest(requestId).record(actor, action, null, detail);
      return null;
    }, false).onFailure(err -> LOG.error("could not write {} to the audit log", action, err)).otherwiseEmpty();
  }

  private static String actor(Principal principal) {
    return principal.userName() == null ? principal.clientId() : principal.clientId() + " (" + principal.userName()
        + ")";
  }

  // -------------------------------------------------------------------------------------------------------
  // static files

  private void asset(RoutingContext ctx) {
    String path = ctx.request().path().substring("/ui/".length());
    Asset asset = assets.get(path.isEmpty() ? "index.html" : path);
    if (asset == null) {
      error(ctx, 404, "no console file " + ctx.request().path());
      return;
    }
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, asset.contentType)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer")
        .end(asset.content);
  }

  private static Map<String, Asset> loadAssets() {
    Map<String, Asset> loaded = new HashMap<>();
    for (String file : FILES) {
      loaded.put(file, new Asset(contentType(file), ClasspathResources.read(ASSETS + file)));
    }
    String uplot = "META-INF/resources/webjars/uplot/" + ClasspathResources.webjarVersion("org.webjars.npm", "uplot")
        + "/dist/";
    loaded.put("vendor/uPlot.esm.js", new Asset(contentType(".js"), ClasspathResources.read(uplot + "uPlot.esm.js")));
    loaded.put("vendor/uPlot.min.css", new Asset(contentType(".css"),
        ClasspathResources.read(uplot + "uPlot.min.css")));
    return Map.copyOf(loaded);
  }

  private static String contentType(String file) {
    if (file.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    return file.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
  }

  // -------------------------------------------------------------------------------------------------------
  // answers

  private static String string(JsonObject body, String field) {
    Object value = body.getValue(field);
    return value instanceof String text ? text : null;
  }

  private static void noStore(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    Answers.json(ctx.response(), status, body);
  }

  private static void error(RoutingContext ctx, int status, String message) {
    if (!ctx.response().ended()) {
      json(ctx, status, new JsonObject().put("error", message));
    }
  }
}
