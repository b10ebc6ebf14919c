package io.ollamagateway.ui;

import io.ollamagateway.testing.TestDatabase;

/** {@link WebConsoleTest} on PostgreSQL (skipped with a message when it is missing, failing in CI). */
class PostgresWebConsoleTest extends WebConsoleTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
