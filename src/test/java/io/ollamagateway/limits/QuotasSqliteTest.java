package io.ollamagateway.limits;

import static io.ollamagateway.limits.LimitsEndToEndTest.CHAT;
import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The quotas contract on the embedded default: SQLite, counters in this process, no Redis; and a second
 * instance on the same store sees the first one's usage once it is written and re-read.
 */
class QuotasSqliteTest extends QuotasContract {

  @Override
  TestDatabase database() {
    return TestDatabase.sqlite();
  }

  @Override
  Map<String, String> settings() {
    return Map.of("QUOTA_RESYNC_INTERVAL", "200ms");
  }

  @Test
  @Order(3)
  void aSecondInstanceOnTheSameStoreSeesTheFirstOnesWrittenUsage() {
    long userId = userOf("two-instances");
    String key = keyFor(userId);
    dailyTokens(userId, 100);
    Gateway second = GatewayFixture.startGateway(gatewaySettings());
    try {
      Http other = new Http(second.port());
      assertThat(other.post("/api/chat", CHAT, Http.bearer(key)).status()).as("the second instance counts too")
          .isEqualTo(200);
      int ok = 0;
      while (ok < 20 && http.post("/api/chat", CHAT, Http.bearer(key)).status() == 200) {
        ok++;
      }
      assertThat(ok).isBetween(1, 10);
      GatewayFixture.await(gateway.usage().flush());
      GatewayFixture.sleep(300); // the second instance's counter is now older than QUOTA_RESYNC_INTERVAL
      Http.Answer refused = other.post("/api/chat", CHAT, Http.bearer(key));
      assertThat(refused.status()).as("the first instance's usage was written and re-read: " + refused.body())
          .isEqualTo(429);
    } finally {
      GatewayFixture.await(second.stop(Duration.ZERO));
    }
  }

  @Test
  @Order(7)
  void aSecondInstanceOnTheSameStoreSeesTheFirstOnesAdmittedRequests() {
    long userId = userOf("two-instances-requests");
    String key = keyFor(userId);
    quota(userId, new JsonObject().put("daily_requests", 3));
    Gateway second = GatewayFixture.startGateway(gatewaySettings());
    try {
      Http other = new Http(second.port());
      assertThat(other.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(200);
      chats(key, 2, 200);
      // a request's usage row is added as its answer ends, which may be just after the client has it: flush
      // both instances until all three requests are in the store
      assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> {
        GatewayFixture.await(gateway.usage().flush());
        GatewayFixture.await(second.usage().flush());
        return admittedInStore(userId) >= 3;
      })).as("both instances' requests are written").isTrue();
      GatewayFixture.sleep(300); // the second instance's counter is now older than QUOTA_RESYNC_INTERVAL
      Http.Answer refused = other.post("/api/chat", CHAT, Http.bearer(key));
      assertThat(refused.status()).as("the first instance's 2 requests were written and re-read: "
          + refused.body()).isEqualTo(429);
      assertThat(refused.body()).contains("3 requests per day");
    } finally {
      GatewayFixture.await(second.stop(Duration.ZERO));
    }
  }

  /** The user's admitted requests as the store has them now, read directly. */
  private long admittedInStore(long userId) {
    try (Connection c = DriverManager.getConnection(database.url());
        PreparedStatement q = c.prepareStatement("SELECT COALESCE(SUM(admitted), 0) FROM usage_hourly WHERE user_id = ?")) {
      q.setLong(1, userId);
      try (ResultSet rows = q.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
