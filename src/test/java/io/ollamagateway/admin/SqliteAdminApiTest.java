package io.ollamagateway.admin;

import io.ollamagateway.testing.TestDatabase;

/** {@link AdminApiTest} on SQLite. */
class SqliteAdminApiTest extends AdminApiTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.sqlite();
  }
}
