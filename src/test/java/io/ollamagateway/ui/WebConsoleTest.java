package io.ollamagateway.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.SharedGateway;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The web console's sign-in and session as plain HTTP clients see them (no browser): cookie flags, the admin
 * API with the cookie and its CSRF token, sign-out, idle expiry, passwords (admin API and CLI), wrong
 * credentials and their slowdown, non-admins refused, sessions ended when their user or key stops being an
 * active admin. Runs unchanged on SQLite and PostgreSQL.
 */
abstract class WebConsoleTest extends SharedGateway {

  private static final String PASSWORD = "correct horse battery staple";

  WebConsoleTest() {
    super(Map.of("UI_SESSION_IDLE_TIMEOUT", "30m"));
  }

  /** A signed-in session: the cookie header value and the CSRF token. */
  record Session(String cookie, String csrf, JsonObject body) {
  }

  /** A success clears the throttle of 127.0.0.1, so that each test starts without a delay. */
  @BeforeEach
  void resetThrottle() {
    signInWithKey(http, admin);
  }

  @Test
  void keySignInSetsAStrictHttpOnlySessionCookie() {
    Http.Answer answer = http.post("/ui/session", new JsonObject().put("key", admin).encode());
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    String setCookie = answer.header("Set-Cookie");
    assertThat(setCookie).startsWith(WebConsole.COOKIE + "=").containsIgnoringCase("; HttpOnly")
        .contains("; SameSite=Strict").contains("; Path=/").doesNotContainIgnoringCase("Secure")
        .doesNotContain(admin);
    String id = setCookie.substring(WebConsole.COOKIE.length() + 1, setCookie.indexOf(';'));
    assertThat(id).matches("[A-Za-z0-9_-]{43}"); // 256 random bits
    assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
    JsonObject body = answer.json();
    assertThat(body.getString("method")).isEqualTo("key");
    assertThat(body.getJsonObject("user").getString("name")).isEqualTo("admin");
    assertThat(body.getString("csrf_token")).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(id);
    assertThat(body.getLong("idle_timeout_seconds")).isEqualTo(1800);
    assertThat(body.encode()).doesNotContain(admin);
  }

  @Test
  void behindATlsProxyTheCookieIsSecure() {
    Http.Answer answer = http.post("/ui/session", new JsonObject().put("key", admin).encode(),
        "X-Forwarded-Proto", "https");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Set-Cookie")).containsIgnoringCase("; Secure").containsIgnoringCase("; HttpOnly")
        .contains("; SameSite=Strict");
  }

  @Test
  void withAnAdminListenerTheConsoleIsServedThereOnly() throws Exception {
    try (IdentityFixture separate = new IdentityFixture(database, Map.of("ADMIN_PORT",
        String.valueOf(IdentityFixture.freePort())))) {
      Http adminHttp = new Http(separate.gateway.adminPort());
      assertThat(adminHttp.get("/ui/").status()).isEqualTo(200);
      Session session = signInWithKey(adminHttp, separate.adminKey);
      assertThat(adminHttp.get("/admin/api/users", "Cookie", session.cookie).status()).isEqualTo(200);
      assertThat(adminHttp.get("/admin/api/upstreams", "Cookie", session.cookie).status()).isEqualTo(200);
      assertThat(separate.http.get("/ui/").status()).isNotEqualTo(200);
      assertThat(separate.http.post("/ui/session", new JsonObject().put("key", separate.adminKey).encode())
          .header("Set-Cookie")).isNull();
    }
  }

  @Test
  void theCookieAuthenticatesTheAdminApiAndChangesNeedTheCsrfToken() {
    Session session = signInWithKey(http, admin);
    for (String path : List.of("/admin/api/users", "/admin/api/keys", "/admin/api/audit", "/admin/api/upstreams",
        "/admin/api/usage", "/admin/api/me")) {
      assertThat(http.get(path, "Cookie", session.cookie).status()).as(path).isEqualTo(200);
    }

    String frank = new JsonObject().put("name", "frank").encode();
    Http.Answer noToken = http.post("/admin/api/users", frank, "Cookie", session.cookie);
    assertThat(noToken.status()).isEqualTo(403);
    assertThat(noToken.json().getString("error")).contains("X-CSRF-Token");
    Http.Answer wrongToken = http.post("/admin/api/users", frank, "Cookie", session.cookie, "X-CSRF-Token",
        session.csrf.substring(1) + "x");
    assertThat(wrongToken.status()).isEqualTo(403);
    Http.Answer otherSession = http.post("/admin/api/users", frank, "Cookie", session.cookie, "X-CSRF-Token",
        signInWithKey(http, admin).csrf);
    assertThat(otherSession.status()).isEqualTo(403);
    assertThat(http.get("/admin/api/users", Http.bearer(admin)).body()).doesNotContain("frank");

    Http.Answer created = http.post("/admin/api/users", frank, "Cookie", session.cookie, "X-CSRF-Token",
        session.csrf);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    long id = created.json().getLong("id");
    assertThat(http.send("DELETE", "/admin/api/users/" + id, null, "Cookie", session.cookie).status())
        .isEqualTo(403);
    assertThat(http.send("DELETE", "/admin/api/users/" + id, null, "Cookie", session.cookie, "X-CSRF-Token",
        session.csrf).status()).isEqualTo(204);
    // The audit log names the session's admin as the actor.
    assertThat(http.get("/admin/api/audit?limit=5", Http.bearer(admin)).array().getJsonObject(0)
        .getString("actor")).isEqualTo("key:1 (admin)");
  }

  @Test
  void bearerKeysWorkAsBeforeAndIgnoreACookie() {
    assertThat(http.post("/admin/api/users", new JsonObject().put("name", "gina").encode(), Http.bearer(admin))
        .status()).isEqualTo(201);
    Http.Answer withStaleCookie = http.post("/admin/api/users", new JsonObject().put("name", "gina2").encode(),
        "Authorization", "Bearer " + admin, "Cookie", WebConsole.COOKIE + "=not-a-session");
    assertThat(withStaleCookie.status()).isEqualTo(201);
    Http.Answer cookieOnly = http.get("/admin/api/users", "Cookie", WebConsole.COOKIE + "=not-a-session");
    assertThat(cookieOnly.status()).isEqualTo(401);
    assertThat(cookieOnly.json().getString("error")).contains("sign in again");
  }

  @Test
  void signOutEndsTheSession() {
    Session session = signInWithKey(http, admin);
    assertThat(http.send("DELETE", "/ui/session", null, "Cookie", session.cookie).status()).isEqualTo(403);
    assertThat(http.get("/admin/api/users", "Cookie", session.cookie).status()).isEqualTo(200);

    Http.Answer out = http.send("DELETE", "/ui/session", null, "Cookie", session.cookie, "X-CSRF-Token",
        session.csrf);
    assertThat(out.status()).isEqualTo(204);
    assertThat(out.header("Set-Cookie")).startsWith(WebConsole.COOKIE + "=;").contains("Max-Age=0");
    assertThat(http.get("/admin/api/users", "Cookie", session.cookie).status()).isEqualTo(401);
    assertThat(http.get("/ui/session", "Cookie", session.cookie).status()).isEqualTo(401);
    assertThat(http.get("/admin/api/audit?limit=5", Http.bearer(admin)).body()).contains("console.sign_out");
  }

  @Test
  void passwordsAreSetThroughTheAdminApiAndSignInWithThem() {
    long carol = fixture.user("carol", "admin");
    Http.Answer tooShort = http.send("PUT", "/admin/api/users/" + carol + "/password",
        new JsonObject().put("password", "short").encode(), Http.bearer(admin));
    assertThat(tooShort.status()).isEqualTo(400);
    assertThat(tooShort.json().getString("field")).isEqualTo("password");
    assertThat(http.send("PUT", "/admin/api/users/999/password", new JsonObject().put("password", PASSWORD)
        .encode(), Http.bearer(admin)).status()).isEqualTo(404);
    Http.Answer set = http.send("PUT", "/admin/api/users/" + carol + "/password",
        new JsonObject().put("password", PASSWORD).encode(), Http.bearer(admin));
    assertThat(set.status()).as(set.body()).isEqualTo(204);

    Session session = signIn(http, new JsonObject().put("username", "carol").put("password", PASSWORD));
    assertThat(session.body.getString("method")).isEqualTo("password");
    assertThat(session.body.getJsonObject("user").getString("name")).isEqualTo("carol");
    Http.Answer users = http.get("/admin/api/users", "Cookie", session.cookie);
    assertThat(users.status()).isEqualTo(200);
    assertThat(users.body()).contains("carol");

    // Only a hash is stored, and nothing secret reaches the audit log.
    String dump = database.dump();
    assertThat(dump).doesNotContain(PASSWORD).contains("$argon2id$v=19$");
    assertThat(http.get("/admin/api/audit?limit=20", Http.bearer(admin)).body()).contains("user.password")
        .contains("console.sign_in").doesNotContain(PASSWORD).doesNotContain(admin);
  }

  @Test
  void wrongCredentialsGetAClearMessage() {
    long hugo = fixture.user("hugo", "admin");
    setPassword(hugo, PASSWORD);
    Http.Answer wrong = http.post("/ui/session", new JsonObject().put("username", "hugo").put("password",
        "not the password").encode());
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.json().getString("error")).isEqualTo("wrong user name or password");
    assertThat(wrong.header("Set-Cookie")).isNull();
    Http.Answer unknown = http.post("/ui/session", new JsonObject().put("username", "nobody").put("password",
        PASSWORD).encode());
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.json().getString("error")).isEqualTo("wrong user name or password");
    Http.Answer badKey = http.post("/ui/session", new JsonObject().put("key", "sk-" + "x".repeat(43)).encode());
    assertThat(badKey.status()).isEqualTo(401);
    assertThat(badKey.json().getString("error")).startsWith("wrong API key");
    Http.Answer empty = http.post("/ui/session", "{}");
    assertThat(empty.status()).isEqualTo(400);
  }

  @Test
  void repeatedFailuresAreSlowedDownAndASuccessResetsThem() {
    long ines = fixture.user("ines", "admin");
    setPassword(ines, PASSWORD);
    String wrong = new JsonObject().put("username", "ines").put("password", "guess guess guess").encode();
    for (int i = 0; i < SignInThrottle.FREE_ATTEMPTS; i++) {
      long started = System.nanoTime();
      Http.Answer answer = http.post("/ui/session", wrong);
      assertThat(answer.status()).isEqualTo(401);
      assertThat(millisSince(started)).as("free attempt %d", i + 1).isLessThan(900);
    }
    long started = System.nanoTime();
    Http.Answer fourth = http.post("/ui/session", wrong);
    assertThat(fourth.status()).isEqualTo(401);
    assertThat(millisSince(started)).isGreaterThanOrEqualTo(1000);
    assertThat(fourth.json().getLong("next_attempt_delay_ms")).isEqualTo(2000);

    started = System.nanoTime();
    Session session = signIn(http, new JsonObject().put("username", "ines").put("password", PASSWORD));
    assertThat(millisSince(started)).as("the right password waits its turn too").isGreaterThanOrEqualTo(2000);
    assertThat(session.body.getJsonObject("user").getString("name")).isEqualTo("ines");
    started = System.nanoTime();
    assertThat(http.post("/ui/session", wrong).status()).isEqualTo(401);
    assertThat(millisSince(started)).as("a success resets the count").isLessThan(900);
  }

  @Test
  void usersSignInToTheirOwnPagesOnly() {
    long dave = fixture.user("dave", "user");
    setPassword(dave, PASSWORD);
    Session byPassword = signIn(http, new JsonObject().put("username", "dave").put("password", PASSWORD));
    assertThat(byPassword.body.getString("role")).isEqualTo("user");
    String userKey = fixture.key(dave, "dave-laptop", new JsonObject()).getString("key");
    Session byKey = signInWithKey(http, userKey);
    assertThat(byKey.body.getString("role")).isEqualTo("user");
    for (Session session : List.of(byPassword, byKey)) {
      assertThat(http.get("/admin/api/me/keys", "Cookie", session.cookie).status()).isEqualTo(200);
      for (String path : List.of("/admin/api/users", "/admin/api/keys", "/admin/api/audit", "/admin/api/usage",
          "/admin/api/upstreams", "/admin/api/requests", "/admin/api/users/" + dave + "/caps",
          "/admin/api/me/../users", "/admin/api/meta")) {
        assertThat(http.get(path, "Cookie", session.cookie).status()).as(path).isEqualTo(403);
      }
      Http.Answer create = http.post("/admin/api/keys", new JsonObject().put("name", "x").put("user_id", dave)
          .encode(), "Cookie", session.cookie, WebConsole.CSRF_HEADER, session.csrf);
      assertThat(create.status()).isEqualTo(403);
    }
    assertThat(http.get("/admin/api/users", "Cookie", WebConsole.COOKIE + "=" + userKey).status()).isEqualTo(401);

    long orphan = fixture.user("inactive-dave", "user");
    setPassword(orphan, PASSWORD);
    assertThat(http.send("PATCH", "/admin/api/users/" + orphan, new JsonObject().put("active", false).encode(),
        Http.bearer(admin)).status()).isEqualTo(200);
    Http.Answer inactive = http.post("/ui/session", new JsonObject().put("username", "inactive-dave")
        .put("password", PASSWORD).encode());
    assertThat(inactive.status()).isEqualTo(403);
    assertThat(inactive.header("Set-Cookie")).isNull();
  }

  @Test
  void aSessionEndsWhenItsUserOrKeyStopsBeingAnActiveAdmin() {
    long erin = fixture.user("erin", "admin");
    setPassword(erin, PASSWORD);
    Session byPassword = signIn(http, new JsonObject().put("username", "erin").put("password", PASSWORD));
    String erinKey = fixture.key(erin, "erin-ops", new JsonObject()).getString("key");
    Session byKey = signInWithKey(http, erinKey);
    assertThat(http.get("/admin/api/users", "Cookie", byPassword.cookie).status()).isEqualTo(200);
    assertThat(http.get("/admin/api/users", "Cookie", byKey.cookie).status()).isEqualTo(200);

    long keyId = new JsonObject(http.get("/admin/api/keys?user_id=" + erin, Http.bearer(admin)).array()
        .getJsonObject(0).encode()).getLong("id");
    assertThat(http.send("DELETE", "/admin/api/keys/" + keyId, null, Http.bearer(admin)).status()).isEqualTo(200);
    assertThat(http.get("/admin/api/users", "Cookie", byKey.cookie).status()).isEqualTo(401);
    assertThat(http.get("/admin/api/users", "Cookie", byPassword.cookie).status()).isEqualTo(200);

    assertThat(http.send("PATCH", "/admin/api/users/" + erin, new JsonObject().put("role", "user").encode(),
        Http.bearer(admin)).status()).isEqualTo(200);
    Http.Answer demoted = http.get("/admin/api/users", "Cookie", byPassword.cookie);
    assertThat(demoted.status()).isEqualTo(401);
    assertThat(demoted.json().getString("error")).contains("its role changed");
  }

  @Test
  void theCliSetsAPasswordFromStandardInput() {
    fixture.user("jules", "admin");
    InputStream stdin = System.in;
    Cli.Result result;
    try {
      System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
      result = Cli.run(Map.of("DATABASE_URL", database.url()), fixture.workDir, "users", "set-password", "jules",
          "--password-stdin");
    } finally {
      System.setIn(stdin);
    }
    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).contains("password set for user").doesNotContain(PASSWORD);
    Session session = signIn(http, new JsonObject().put("username", "jules").put("password", PASSWORD));
    assertThat(session.body.getJsonObject("user").getString("name")).isEqualTo("jules");

    try {
      System.setIn(new ByteArrayInputStream("short\n".getBytes(StandardCharsets.UTF_8)));
      result = Cli.run(Map.of("DATABASE_URL", database.url()), fixture.workDir, "users", "set-password", "jules",
          "--password-stdin");
    } finally {
      System.setIn(stdin);
    }
    assertThat(result.status()).isEqualTo(1);
    assertThat(result.err()).contains("password").contains("at least 12");
  }

  @Test
  void theConsoleIsServedFromTheJarWithoutExternalResources() {
    Http.Answer page = http.get("/ui/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).startsWith("text/html");
    assertThat(page.header("Content-Security-Policy")).contains("default-src 'self'");
    assertThat(page.body()).contains("js/main.js").doesNotContain("http://").doesNotContain("https://");
    assertThat(http.get("/ui").status()).isEqualTo(302);
    Http.Answer uplot = http.get("/ui/vendor/uPlot.esm.js");
    assertThat(uplot.status()).isEqualTo(200);
    assertThat(uplot.header("Content-Type")).startsWith("text/javascript");
    for (String file : List.of("/ui/js/main.js", "/ui/js/dashboard.js", "/ui/console.css")) {
      Http.Answer asset = http.get(file);
      assertThat(asset.status()).as(file).isEqualTo(200);
      assertThat(asset.body()).as(file).doesNotContain("http://").doesNotContain("https://");
    }
    Http.Answer missing = http.get("/ui/../admin/api/users");
    assertThat(missing.status()).isIn(401, 404);
    assertThat(http.get("/ui/nothing.js").status()).isEqualTo(404);
  }

  @Test
  void signInFromAnotherSiteIsRefused() {
    Http.Answer answer = http.post("/ui/session", new JsonObject().put("key", admin).encode(),
        "Origin", "http://evil.example");
    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.header("Set-Cookie")).isNull();
  }

  @Test
  void anIdleSessionExpires() throws Exception {
    try (IdentityFixture quick = new IdentityFixture(database, Map.of("UI_SESSION_IDLE_TIMEOUT", "1s"))) {
      Session session = signInWithKey(quick.http, quick.adminKey);
      assertThat(session.body.getLong("idle_timeout_seconds")).isEqualTo(1);
      for (int i = 0; i < 3; i++) { // used every 0.5 s: stays alive for longer than the timeout
        GatewayFixture.sleep(500);
        assertThat(quick.http.get("/admin/api/users", "Cookie", session.cookie).status()).isEqualTo(200);
      }
      GatewayFixture.sleep(1300);
      Http.Answer expired = quick.http.get("/admin/api/users", "Cookie", session.cookie);
      assertThat(expired.status()).isEqualTo(401);
      assertThat(expired.json().getString("error")).contains("expired");
    }
  }

  // -------------------------------------------------------------------------------------------------------

  private void setPassword(long userId, String password) {
    Http.Answer set = http.send("PUT", "/admin/api/users/" + userId + "/password",
        new JsonObject().put("password", password).encode(), Http.bearer(admin));
    assertThat(set.status()).as(set.body()).isEqualTo(204);
  }

  static Session signInWithKey(Http http, String key) {
    return signIn(http, new JsonObject().put("key", key));
  }

  static Session signIn(Http http, JsonObject credentials) {
    Http.Answer answer = http.post("/ui/session", credentials.encode());
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    String setCookie = answer.header("Set-Cookie");
    return new Session(setCookie.substring(0, setCookie.indexOf(';')), answer.json().getString("csrf_token"),
        answer.json());
  }

  private static long millisSince(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }
}
