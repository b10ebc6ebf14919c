package io.ollamagateway.testing;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The base of a test class whose tests share one {@link IdentityFixture} (a gateway in front of the emulator,
 * with the bootstrap admin key) on a fresh store of the class's own: started before its first test, stopped with
 * its store after its last. A subclass says which store ({@link #newDatabase}), usually in a SQLite and a
 * PostgreSQL subclass of its own, and gives the gateway's settings to the constructor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SharedGateway {

  private final Map<String, String> settings;
  protected TestDatabase database;
  protected IdentityFixture fixture;
  /** A client of the gateway. */
  protected Http http;
  /** The bootstrap admin key. */
  protected String admin;

  /** @param settings the gateway's settings beyond the {@link IdentityFixture}'s own */
  protected SharedGateway(Map<String, String> settings) {
    this.settings = settings;
  }

  /** A fresh store for this class. */
  protected abstract TestDatabase newDatabase();

  @BeforeAll
  protected final void startSharedGateway() throws Exception {
    database = newDatabase();
    fixture = new IdentityFixture(database, settings);
    http = fixture.http;
    admin = fixture.adminKey;
  }

  @AfterAll
  protected final void stopSharedGateway() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
    if (database != null) {
      database.close();
    }
  }
}
