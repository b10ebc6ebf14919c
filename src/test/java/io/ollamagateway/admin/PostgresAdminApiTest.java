package io.ollamagateway.admin;

import io.ollamagateway.testing.TestDatabase;

/** {@link AdminApiTest} on PostgreSQL. */
class PostgresAdminApiTest extends AdminApiTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
