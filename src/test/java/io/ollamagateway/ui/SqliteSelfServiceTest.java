package io.ollamagateway.ui;

import io.ollamagateway.testing.TestDatabase;

/** {@link SelfServiceTest} on SQLite. */
class SqliteSelfServiceTest extends SelfServiceTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.sqlite();
  }
}
