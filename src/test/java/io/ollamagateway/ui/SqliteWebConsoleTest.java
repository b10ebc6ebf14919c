package io.ollamagateway.ui;

import io.ollamagateway.testing.TestDatabase;

/** {@link WebConsoleTest} on SQLite. */
class SqliteWebConsoleTest extends WebConsoleTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.sqlite();
  }
}
