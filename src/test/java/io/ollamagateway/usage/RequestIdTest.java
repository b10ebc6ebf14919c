package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * Request ids, end to end on SQLite and PostgreSQL: the client's sane {@code X-Request-Id} is kept, anything
 * else replaced; the id is in the answer's header, the error bodies of every API shape, the upstream's request,
 * the access log, the request log and the audit log, and both logs can be searched by it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RequestIdTest {

  private static final String CHAT = "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"hi\"}]}";

  private IdentityFixture fixture;
  private final ListAppender<ILoggingEvent> access = new ListAppender<>();

  /** Reads the appender's list under its lock: the gateway's event loops append to it meanwhile. */
  private boolean accessLogHas(String text) {
    synchronized (access) {
      return access.list.stream().anyMatch(e -> e.getFormattedMessage().contains(text));
    }
  }

  abstract TestDatabase database();

  @BeforeAll
  void start() throws Exception {
    fixture = new IdentityFixture(database(), Map.of("REQUEST_LOG", "true", "USAGE_FLUSH_INTERVAL", "100ms"));
    access.start();
    ((Logger) LoggerFactory.getLogger("access")).addAppender(access);
  }

  @AfterAll
  void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger("access")).detachAppender(access);
    fixture.close();
    fixture.database.close();
  }

  @Test
  void aSaneClientIdIsKeptEverywhereAndSearchable() {
    String id = "client-req_42:a.b";
    Http.Answer answer = fixture.http.post("/api/chat", CHAT, "Authorization", "Bearer " + fixture.adminKey,
        "X-Request-Id", id);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.header("X-Request-Id")).isEqualTo(id);
    assertThat(fixture.emulator.stats().lastRequest().headers().getAll("X-Request-Id")).containsExactly(id);
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> accessLogHas(" id=" + id + " "))).isTrue();

    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> requests("?request_id=" + id).size() == 1))
        .isTrue();
    JsonObject row = requests("?request_id=" + id).getJsonObject(0);
    assertThat(row.getString("request_id")).isEqualTo(id);
    assertThat(row.getString("path")).isEqualTo("/api/chat");
    assertThat(requests("?request_id=other")).isEmpty();
    assertThat(fixture.http.get("/admin/api/requests?request_id=a%20b", Http.bearer(fixture.adminKey)).json()
        .getString("field")).isEqualTo("request_id");
  }

  @Test
  void anInsaneClientIdIsReplacedByANewOne() {
    for (String bad : List.of("has space", "x".repeat(129), "semi;colon", "")) {
      Http.Answer answer = fixture.http.get("/api/tags", "Authorization", "Bearer " + fixture.adminKey,
          "X-Request-Id", bad);
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.header("X-Request-Id")).matches("[0-9a-f]{32}");
      assertThat(fixture.emulator.stats().lastRequest().headers().getAll("X-Request-Id"))
          .containsExactly(answer.header("X-Request-Id"));
    }
    Http.Answer one = fixture.http.get("/api/tags", Http.bearer(fixture.adminKey));
    Http.Answer two = fixture.http.get("/api/tags", Http.bearer(fixture.adminKey));
    assertThat(one.header("X-Request-Id")).matches("[0-9a-f]{32}").isNotEqualTo(two.header("X-Request-Id"));
  }

  @Test
  void errorBodiesOfEveryShapeCarryTheId() {
    Http.Answer nativeError = fixture.http.post("/api/chat", CHAT, "Authorization", "Bearer wrong",
        "X-Request-Id", "n-1");
    assertThat(nativeError.status()).isEqualTo(401);
    assertThat(nativeError.json().getString("request_id")).isEqualTo("n-1");
    assertThat(nativeError.json().getString("error")).isNotBlank();

    Http.Answer openAi = fixture.http.post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"messages\":[]}",
        "Authorization", "Bearer wrong", "X-Request-Id", "o-1");
    assertThat(openAi.status()).isEqualTo(401);
    assertThat(openAi.json().getString("request_id")).isEqualTo("o-1");
    assertThat(openAi.json().getJsonObject("error").getString("message")).isNotBlank();

    Http.Answer anthropic = fixture.http.post("/v1/messages", "{}", "X-Request-Id", "a-1");
    assertThat(anthropic.status()).isEqualTo(401);
    assertThat(anthropic.json().getString("request_id")).isEqualTo("a-1");
    assertThat(anthropic.json().getString("type")).isEqualTo("error");

    Http.Answer admin = fixture.http.get("/admin/api/users/999999", "Authorization", "Bearer " + fixture.adminKey,
        "X-Request-Id", "adm-1");
    assertThat(admin.status()).isEqualTo(404);
    assertThat(admin.json().getString("request_id")).isEqualTo("adm-1");
    assertThat(admin.header("X-Request-Id")).isEqualTo("adm-1");
  }

  @Test
  void anAdminActionIsAuditedWithItsRequestId() {
    Http.Answer created = fixture.http.post("/admin/api/users", "{\"name\":\"audited-by-id\"}", "Authorization",
        "Bearer " + fixture.adminKey, "X-Request-Id", "audit-7");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    Http.Answer found = fixture.http.get("/admin/api/audit?request_id=audit-7", Http.bearer(fixture.adminKey));
    assertThat(found.status()).isEqualTo(200);
    JsonArray entries = found.array();
    assertThat(entries).hasSize(1);
    assertThat(entries.getJsonObject(0).getMap()).containsEntry("action", "user.create")
        .containsEntry("request_id", "audit-7");
    assertThat(fixture.http.get("/admin/api/audit?request_id=none-such", Http.bearer(fixture.adminKey)).array())
        .isEmpty();
  }

  private JsonArray requests(String query) {
    Http.Answer answer = fixture.http.get("/admin/api/requests" + query, Http.bearer(fixture.adminKey));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.array();
  }
}

class SqliteRequestIdTest extends RequestIdTest {
  @Override
  TestDatabase database() {
    return TestDatabase.sqlite();
  }
}

class PostgresRequestIdTest extends RequestIdTest {
  @Override
  TestDatabase database() {
    return TestDatabase.postgres();
  }
}
