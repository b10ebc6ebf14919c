package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.config.ConfigLoader;
import io.ollamagateway.config.Settings;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.SharedGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Usage accounting end to end: requests through a real gateway to the emulator, flushed to the store, read
 * back through {@code GET /stats} and {@code GET /admin/api/usage}. The emulator's counts are deterministic
 * (prompt = words + 4 per message + 3 for chat; completion = chunks), so the reports must match them exactly.
 * Runs unchanged on SQLite and PostgreSQL.
 */
abstract class UsageReportsTest extends SharedGateway {

  private static final String MODEL = "llama3.2:latest";
  /** The model of the graceful-stop test only, so that its request stays out of the other tests' totals. */
  private static final String OTHER_MODEL = "qwen2.5:0.5b";
  private static final String[] FAST = {"X-Emulator-Interval-Ms", "0", "X-Emulator-TTFT-Ms", "0"};

  private JsonObject aliceKey;
  private JsonObject bobKey;

  UsageReportsTest() {
    super(Map.of("USAGE_FLUSH_INTERVAL", "50ms"));
  }

  @BeforeAll
  void recordTraffic() throws Exception {
    aliceKey = fixture.key(fixture.user("alice", "user"), "alice-laptop", new JsonObject());
    bobKey = fixture.key(fixture.user("bob", "user"), "bob-ci", new JsonObject());

    // alice: native chat, not streamed (prompt 3 + 4 + 3 = 10, completion 5), then streamed (10, 3)
    String chat = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there world\"}]";
    proxied(aliceKey, "/api/chat", chat + ",\"stream\":false}", 5);
    proxied(aliceKey, "/api/chat", chat + "}", 3);
    // bob: OpenAI chat, streamed (prompt 3 + 4 + 2 = 9, completion 4)
    proxied(bobKey, "/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"one two\"}]}", 4);

    // The request rows and the token rows are recorded apart (end of exchange, end of answer): wait for both.
    boolean flushed = GatewayFixture.eventually(Duration.ofSeconds(10), () -> {
      JsonArray rows = usage("?model=" + MODEL);
      return total(rows, "requests") == 3 && total(rows, "prompt_tokens") == 29
          && total(rows, "completion_tokens") == 12;
    });
    assertThat(flushed).as("3 requests and their tokens flushed to the store: " + usage("?model=" + MODEL))
        .isTrue();
  }

  private void proxied(JsonObject key, String path, String body, int chunks) {
    List<String> headers = new ArrayList<>(List.of(Http.bearer(key.getString("key"))));
    headers.addAll(List.of(FAST));
    headers.addAll(List.of("X-Emulator-Chunks", Integer.toString(chunks)));
    Http.Answer answer = http.post(path, body, headers.toArray(String[]::new));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
  }

  private JsonArray usage(String query) {
    Http.Answer answer = http.get("/admin/api/usage" + query, Http.bearer(admin));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.header("Content-Type")).startsWith("application/json");
    return answer.array();
  }

  private JsonArray stats(String key) {
    Http.Answer answer = http.get("/stats", Http.bearer(key));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.array();
  }

  private static long total(JsonArray rows, String counter) {
    long sum = 0;
    for (Object row : rows) {
      sum += ((JsonObject) row).getLong(counter);
    }
    return sum;
  }

  private static JsonArray only(JsonArray rows, String field, Object value) {
    JsonArray kept = new JsonArray();
    for (Object row : rows) {
      if (value.equals(((JsonObject) row).getValue(field))) {
        kept.add(row);
      }
    }
    return kept;
  }

  @Test
  void adminUsageByUserMatchesTheEmulatorsCounts() {
    JsonArray rows = usage("?by=user&model=" + MODEL);
    JsonArray alice = only(rows, "user", "alice");
    JsonArray bob = only(rows, "user", "bob");
    assertThat(List.of(total(alice, "requests"), total(alice, "prompt_tokens"), total(alice, "completion_tokens"),
        total(alice, "errors"), total(alice, "estimated_tokens"))).containsExactly(2L, 20L, 8L, 0L, 0L);
    assertThat(List.of(total(bob, "requests"), total(bob, "prompt_tokens"), total(bob, "completion_tokens")))
        .containsExactly(1L, 9L, 4L);
    assertThat(total(rows, "total_tokens")).isEqualTo(20 + 8 + 9 + 4);
    assertThat(alice.getJsonObject(0).getLong("user_id")).isPositive();
  }

  @Test
  void statsShowAUserOnlyTheRowsOfTheirOwnKeysAndAnAdminAll() {
    JsonArray mine = stats(aliceKey.getString("key"));
    assertThat(mine).isNotEmpty();
    for (Object item : mine) {
      JsonObject row = (JsonObject) item;
      assertThat(row.getString("key")).isEqualTo(aliceKey.getString("prefix"));
      assertThat(row.getString("model")).isEqualTo(MODEL);
      assertThat(row.getString("date")).matches("\\d{4}-\\d{2}-\\d{2}");
      assertThat(row.getInteger("hour")).isBetween(0, 23);
      assertThat(row.fieldNames()).containsExactlyInAnyOrder("date", "hour", "key", "model", "upstream",
          "key_index", "requests", "prompt_tokens", "completion_tokens");
      assertThat(row.getString("upstream")).isNotEmpty();
      assertThat(row.getValue("key_index")).isNull(); // a local Ollama takes no key
    }
    assertThat(List.of(total(mine, "requests"), total(mine, "prompt_tokens"), total(mine, "completion_tokens")))
        .containsExactly(2L, 20L, 8L);

    JsonArray all = stats(admin);
    assertThat(total(only(all, "key", bobKey.getString("prefix")), "completion_tokens")).isEqualTo(4);
    assertThat(total(only(all, "key", aliceKey.getString("prefix")), "requests")).isEqualTo(2);
    assertThat(all.encode()).doesNotContain(aliceKey.getString("key")).doesNotContain(bobKey.getString("key"));
  }

  @Test
  void filtersAndGroupingByDaySumTheHours() {
    JsonArray hours = usage("?group_by=hour&model=" + MODEL);
    JsonArray days = usage("?group_by=day&model=" + MODEL);
    JsonArray months = usage("?group_by=month&by=model");
    Map<String, Long> daySums = new HashMap<>();
    for (Object item : hours) {
      JsonObject row = (JsonObject) item;
      assertThat(row.getString("period")).endsWith(":00:00Z");
      daySums.merge(row.getString("period").substring(0, 10), row.getLong("requests"), Long::sum);
    }
    Map<String, Long> dayRows = new HashMap<>();
    for (Object item : days) {
      dayRows.put(((JsonObject) item).getString("period"), ((JsonObject) item).getLong("requests"));
    }
    assertThat(dayRows).isEqualTo(daySums);
    assertThat(total(days, "prompt_tokens")).isEqualTo(total(hours, "prompt_tokens")).isEqualTo(29);
    assertThat(months.getJsonObject(0).getString("period")).matches("\\d{4}-\\d{2}");
    assertThat(only(months, "model", MODEL)).isNotEmpty();

    assertThat(total(usage("?user=bob"), "requests")).isEqualTo(1);
    assertThat(total(usage("?key=" + aliceKey.getLong("id")), "completion_tokens")).isEqualTo(8);
    assertThat(total(usage("?key=" + aliceKey.getString("prefix")), "requests")).isEqualTo(2);
    assertThat(total(usage("?upstream=nowhere"), "requests")).isZero();
    assertThat(usage("?from=2000-01-01&to=2000-01-31")).isEmpty();
    assertThat(total(usage("?from=2000-01-01T00:00:00Z&model=" + MODEL), "requests")).isEqualTo(3);
  }

  @Test
  void csvExportParses() {
    Http.Answer answer = http.get("/admin/api/usage?format=csv&by=key&group_by=day&model=" + MODEL, Http.bearer(admin));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Type")).startsWith("text/csv");
    String[] lines = answer.body().split("\r\n");
    List<String> header = List.of(lines[0].split(","));
    assertThat(header).startsWith("period", "key_id", "key", "requests", "prompt_tokens", "completion_tokens");
    long prompt = 0;
    long requests = 0;
    for (int i = 1; i < lines.length; i++) {
      String[] cells = lines[i].split(",", -1);
      assertThat(cells).hasSize(header.size());
      requests += Long.parseLong(cells[header.indexOf("requests")]);
      prompt += Long.parseLong(cells[header.indexOf("prompt_tokens")]);
      if (cells[header.indexOf("key")].equals(bobKey.getString("prefix"))) {
        assertThat(cells[header.indexOf("completion_tokens")]).isEqualTo("4");
      }
    }
    assertThat(requests).isEqualTo(3);
    assertThat(prompt).isEqualTo(29);
  }

  @Test
  void badParametersAre400NamingTheParameter() {
    Map<String, String> cases = Map.of(
        "?group_by=week", "group_by",
        "?by=color", "by",
        "?format=xml", "format",
        "?from=yesterday", "from",
        "?to=2026-13-45", "to",
        "?user=", "user",
        "?colour=red", "colour");
    cases.forEach((query, field) -> {
      Http.Answer answer = http.get("/admin/api/usage" + query, Http.bearer(admin));
      assertThat(answer.status()).as(query).isEqualTo(400);
      assertThat(answer.json().getString("field")).as(query).isEqualTo(field);
      assertThat(answer.json().getString("error")).as(query).contains(field);
    });
    Http.Answer stats = http.get("/stats?from=soon", Http.bearer(admin));
    assertThat(stats.status()).isEqualTo(400);
    assertThat(stats.json().getString("field")).isEqualTo("from");
  }

  @Test
  void usersAndStrangersCannotReadTheAdminReport() {
    assertThat(http.get("/admin/api/usage", Http.bearer(aliceKey.getString("key"))).status()).isEqualTo(403);
    assertThat(http.get("/admin/api/usage").status()).isEqualTo(401);
    assertThat(http.get("/stats").status()).isEqualTo(401);
  }

  @Test
  void aGracefulStopWritesTheLastBatch() throws Exception {
    JsonObject key = fixture.key(fixture.user("carol", "user"), "carol-batch", new JsonObject());
    Map<String, String> settings = new HashMap<>(Map.of("OLLAMA_URL", fixture.emulator.url(), "DATABASE_URL",
        database.url(), "EVENT_LOOPS", "1", "USAGE_FLUSH_INTERVAL", "1h"));
    Gateway second = Gateway.start(new ConfigLoader(Settings.of(settings)).load()
        .withListen("127.0.0.1", IdentityFixture.freePort())).await(60, TimeUnit.SECONDS);
    Http secondHttp = new Http(second.port());
    List<String> headers = new ArrayList<>(List.of(Http.bearer(key.getString("key"))));
    headers.addAll(List.of(FAST));
    headers.addAll(List.of("X-Emulator-Chunks", "6"));
    Http.Answer answer = secondHttp.post("/api/chat", "{\"model\":\"" + OTHER_MODEL + "\",\"stream\":false,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"last words\"}]}", headers.toArray(String[]::new));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> second.usage().pending().stream()
        .mapToLong(row -> row.requests() + row.completionTokens()).sum() == 1 + 6)).isTrue();
    assertThat(usage("?user=carol")).as("nothing written before the stop (flush interval 1h)").isEmpty();

    second.stop(Duration.ofSeconds(1)).await(30, TimeUnit.SECONDS);

    JsonArray carol = usage("?user=carol");
    assertThat(List.of(total(carol, "requests"), total(carol, "prompt_tokens"), total(carol, "completion_tokens")))
        .containsExactly(1L, 3L + 4 + 2, 6L);
  }

  @Test
  void anUnreachableUpstreamCountsAsAnError() throws Exception {
    JsonObject key = fixture.key(fixture.user("dave", "user"), "dave-down", new JsonObject());
    Map<String, String> settings = new HashMap<>(Map.of("OLLAMA_URL", "http://127.0.0.1:" + GatewayFixture.closedPort(),
        "DATABASE_URL", database.url(), "EVENT_LOOPS", "1", "USAGE_FLUSH_INTERVAL", "1h"));
    Gateway down = Gateway.start(new ConfigLoader(Settings.of(settings)).load()
        .withListen("127.0.0.1", IdentityFixture.freePort())).await(60, TimeUnit.SECONDS);
    try {
      Http.Answer answer = new Http(down.port()).post("/api/chat", "{\"model\":\"" + OTHER_MODEL + "\","
          + "\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"anyone\"}]}",
          Http.bearer(key.getString("key")));
      assertThat(answer.status()).as(answer.body()).isGreaterThanOrEqualTo(500);
      assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> !down.usage().pending().isEmpty())).isTrue();
    } finally {
      down.stop(Duration.ofSeconds(1)).await(30, TimeUnit.SECONDS);
    }

    JsonArray dave = usage("?user=dave&by=model");
    assertThat(List.of(total(dave, "requests"), total(dave, "errors"), total(dave, "prompt_tokens"),
        total(dave, "completion_tokens"))).containsExactly(1L, 1L, 0L, 0L);
  }

  @Test
  void withAnAdminListenerTheReportMovesThereAndStatsStaysOnTheProxyPort() throws Exception {
    Map<String, String> settings = new HashMap<>(Map.of("OLLAMA_URL", fixture.emulator.url(), "DATABASE_URL",
        database.url(), "EVENT_LOOPS", "1", "ADMIN_PORT", Integer.toString(IdentityFixture.freePort()),
        "ADMIN_HOST", "127.0.0.1"));
    Gateway split = Gateway.start(new ConfigLoader(Settings.of(settings)).load()
        .withListen("127.0.0.1", IdentityFixture.freePort())).await(60, TimeUnit.SECONDS);
    try {
      Http adminHttp = new Http(split.adminPort());
      Http proxyHttp = new Http(split.port());
      Http.Answer report = adminHttp.get("/admin/api/usage?model=" + MODEL, Http.bearer(admin));
      assertThat(report.status()).as(report.body()).isEqualTo(200);
      assertThat(total(report.array(), "requests")).isEqualTo(3);
      assertThat(proxyHttp.get("/admin/api/usage", Http.bearer(admin)).status()).isNotEqualTo(200);
      Http.Answer stats = proxyHttp.get("/stats", Http.bearer(bobKey.getString("key")));
      assertThat(stats.status()).isEqualTo(200);
      assertThat(total(stats.array(), "prompt_tokens")).isEqualTo(9);
    } finally {
      split.stop(Duration.ofSeconds(1)).await(30, TimeUnit.SECONDS);
    }
  }
}
