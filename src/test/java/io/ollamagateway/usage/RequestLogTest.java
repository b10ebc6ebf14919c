package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The optional request log, on SQLite and on PostgreSQL: one row per request, read through the admin API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RequestLogTest {

  private IdentityFixture fixture;

  abstract TestDatabase database();

  @BeforeAll
  void start() throws Exception {
    fixture = new IdentityFixture(database(), Map.of("REQUEST_LOG", "true", "USAGE_FLUSH_INTERVAL", "100ms"));
  }

  @AfterAll
  void stop() throws Exception {
    fixture.close();
    fixture.database.close();
  }

  private JsonArray requests(String query) {
    Http.Answer answer = fixture.http.get("/admin/api/requests" + query, Http.bearer(fixture.adminKey));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.array();
  }

  @Test
  void eachRequestIsOneRowWithItsCallerOutcomeAndTokens() {
    long userId = fixture.user("logged", "user");
    JsonObject key = fixture.key(userId, "k", new JsonObject());
    String secret = key.getString("key");
    long keyId = key.getLong("id");
    String chat = "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
    assertThat(fixture.http.post("/api/chat", chat, Http.bearer(secret)).status()).isEqualTo(200);
    assertThat(fixture.http.post("/api/chat", "{\"model\":\"no-such-model\",\"messages\":[]}", Http.bearer(secret))
        .status()).isEqualTo(404);

    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> requests("?key=" + keyId).size() == 2))
        .isTrue();
    JsonArray rows = requests("?key=" + keyId);
    JsonObject newest = rows.getJsonObject(0);
    JsonObject first = rows.getJsonObject(1);
    assertThat(newest.getInteger("status")).isEqualTo(404);
    assertThat(newest.getLong("prompt_tokens")).isZero();
    assertThat(first.getMap()).containsEntry("client", "key:" + keyId).containsEntry("method", "POST")
        .containsEntry("path", "/api/chat").containsEntry("model", "llama3.2").containsEntry("upstream", "default")
        .containsEntry("status", 200).containsEntry("estimated", false);
    assertThat(first.getLong("user_id")).isEqualTo(userId);
    assertThat(first.getLong("prompt_tokens")).isEqualTo(10);
    assertThat(first.getLong("completion_tokens")).isEqualTo(10);
    assertThat(first.getLong("duration_ms")).isNotNegative();
    assertThat(Instant.parse(first.getString("at"))).isBefore(Instant.now().plusSeconds(1));

    assertThat(requests("?key=" + keyId + "&limit=1")).hasSize(1);
    assertThat(requests("?key=" + keyId + "&before=" + newest.getLong("id")).getJsonObject(0).getLong("id"))
        .isEqualTo(first.getLong("id"));
    assertThat(requests("?user=" + userId)).hasSize(2);
    assertThat(fixture.http.get("/admin/api/requests?limit=zero", Http.bearer(fixture.adminKey)).json()
        .getString("field")).isEqualTo("limit");
    assertThat(fixture.http.get("/admin/api/requests", Http.bearer(secret)).status()).isEqualTo(403);
    assertThat(fixture.database.dump()).doesNotContain(secret);
  }

  @Test
  void recordsOlderThanTheRetentionAreDeleted() {
    JdbcRequestLog log = new JdbcRequestLog(fixture.gateway.database().dataSource());
    Instant old = Instant.now().minus(Duration.ofDays(40));
    log.append(List.of(new RequestRecord(0, old, null, null, "shared-token", "GET", "/api/tags", null, null, null,
        200, 1, 1, 0, 0, false, null)));
    assertThat(log.list(1000, null, "shared-token", null)).extracting(RequestRecord::at).contains(old.truncatedTo(
        java.time.temporal.ChronoUnit.MILLIS));
    assertThat(log.deleteBefore(Instant.now().minus(Duration.ofDays(30)))).isEqualTo(1);
    assertThat(log.list(1000, null, "shared-token", null)).extracting(RequestRecord::at)
        .allMatch(at -> at.isAfter(Instant.now().minus(Duration.ofDays(30))));
  }
}

class SqliteRequestLogTest extends RequestLogTest {
  @Override
  TestDatabase database() {
    return TestDatabase.sqlite();
  }
}

class PostgresRequestLogTest extends RequestLogTest {
  @Override
  TestDatabase database() {
    return TestDatabase.postgres();
  }
}
