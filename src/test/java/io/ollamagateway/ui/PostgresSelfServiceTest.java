package io.ollamagateway.ui;

import io.ollamagateway.testing.TestDatabase;

/** {@link SelfServiceTest} on PostgreSQL (skipped with a message when it is missing, failing in CI). */
class PostgresSelfServiceTest extends SelfServiceTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
