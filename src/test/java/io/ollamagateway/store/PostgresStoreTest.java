package io.ollamagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.testing.TestDatabase;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link StoreContractTest} on PostgreSQL, and the URL forms and failures only PostgreSQL has. */
class PostgresStoreTest extends StoreContractTest {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }

  @Test
  void aPostgresqlUrlWithCredentialsIsUnderstood() {
    try (TestDatabase schema = TestDatabase.postgres()) {
      String currentSchema = schema.url().substring(schema.url().indexOf("currentSchema="));
      try (Database database = Database.open(Optional.of("postgresql://postgres:secret-pw@127.0.0.1:5432/test?"
          + currentSchema), Path.of("."))) {
        assertThat(database.vendor()).isEqualTo(Database.Vendor.POSTGRESQL);
        assertThat(database.description()).contains("127.0.0.1:5432/test").doesNotContain("secret-pw");
      }
    }
  }

  @Test
  void anUnreachableServerIsAClearErrorWithoutThePassword() {
    assertThatThrownBy(() -> Database.open(Optional.of("postgresql://postgres:hunter2@127.0.0.1:1/test"), Path.of(".")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot connect to the store PostgreSQL 127.0.0.1:1/test")
        .hasMessageNotContaining("hunter2");
  }
}
