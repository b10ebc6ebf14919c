package io.ollamagateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code ADMIN_PORT} moves the admin API to its own listener; the API docs are served without internet. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminListenerAndDocsTest {

  private TestDatabase database;
  private IdentityFixture fixture;
  private Http admin;

  @BeforeAll
  void start() throws Exception {
    int adminPort = IdentityFixture.freePort();
    database = TestDatabase.sqlite();
    fixture = new IdentityFixture(database, Map.of("ADMIN_PORT", String.valueOf(adminPort),
        "ADMIN_HOST", "127.0.0.1"));
    admin = new Http(fixture.gateway.adminPort());
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

  @Test
  void theAdminApiIsOnlyOnItsOwnListener() {
    assertThat(fixture.gateway.adminPort()).isPositive().isNotEqualTo(fixture.gateway.port());
    assertThat(admin.get("/admin/api/users", Http.bearer(fixture.adminKey)).status()).isEqualTo(200);
    assertThat(fixture.http.get("/admin/api/users", Http.bearer(fixture.adminKey)).status()).isEqualTo(404);
    assertThat(fixture.http.get("/api/tags", Http.bearer(fixture.adminKey)).status()).isEqualTo(200);
  }

  @Test
  void theOpenApiDocumentDescribesTheWholeSurface() {
    Http.Answer answer = fixture.http.get("/openapi.json");
    assertThat(answer.status()).isEqualTo(200);
    JsonObject doc = answer.json();
    assertThat(doc.getString("openapi")).startsWith("3.");
    assertThat(doc.getJsonObject("paths").fieldNames()).contains("/admin/api/users", "/admin/api/users/{id}",
        "/admin/api/keys", "/admin/api/keys/{id}", "/admin/api/me", "/admin/api/audit", "/api/chat",
        "/api/generate", "/api/tags", "/v1/chat/completions", "/v1/models", "/health");
    assertThat(admin.get("/openapi.json").status()).isEqualTo(200);
  }

  @Test
  void swaggerUiAndRedocAreServedFromWebjars() {
    Http.Answer docs = fixture.http.get("/docs");
    assertThat(docs.status()).isEqualTo(200);
    assertThat(docs.body()).contains("swagger-ui-bundle.js").contains("/openapi.json");
    Http.Answer bundle = fixture.http.get("/docs/swagger-ui-bundle.js");
    assertThat(bundle.status()).isEqualTo(200);
    assertThat(bundle.body().length()).isGreaterThan(100_000);
    // read from the jar on the first request, from memory after
    assertThat(fixture.http.get("/docs/swagger-ui-bundle.js").body()).isEqualTo(bundle.body());
    assertThat(fixture.http.get("/docs/swagger-ui.css").status()).isEqualTo(200);
    Http.Answer redoc = fixture.http.get("/redoc");
    assertThat(redoc.status()).isEqualTo(200);
    assertThat(redoc.body()).contains("redoc.standalone.js");
    assertThat(fixture.http.get("/redoc/redoc.standalone.js").body().length()).isGreaterThan(100_000);
  }
}
