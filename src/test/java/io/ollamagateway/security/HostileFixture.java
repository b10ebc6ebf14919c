package io.ollamagateway.security;

import io.ollamagateway.emulator.EmulatorStats;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What the hostile-input suites share: a gateway on SQLite in front of the emulator (which reads requests as
 * Ollama does), and an ordinary user key allowed only {@code llama3*} models.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostileFixture {

  TestDatabase database;
  IdentityFixture fixture;
  /** A user's key whose allowlist is {@code llama3*}. */
  String user;

  @BeforeAll
  void start() throws Exception {
    database = TestDatabase.sqlite();
    fixture = new IdentityFixture(database, Map.of());
    user = key(new JsonObject().put("models", new JsonArray().add("llama3*")));
  }

  @AfterAll
  void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
    if (database != null) {
      database.close();
    }
  }

  /** A new user's key with {@code settings} (models, limits). */
  String key(JsonObject settings) {
    long id = fixture.user("u-" + System.nanoTime(), "user");
    return fixture.key(id, "k", settings).getString("key");
  }

  EmulatorStats stats() {
    return fixture.emulator.stats();
  }
}
