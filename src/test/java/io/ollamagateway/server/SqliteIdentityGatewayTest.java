package io.ollamagateway.server;

import io.ollamagateway.testing.TestDatabase;

/** {@link IdentityGatewayTest} on SQLite. */
class SqliteIdentityGatewayTest extends IdentityGatewayTest {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.sqlite();
  }
}
