package io.ollamagateway.routing;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The aliases in force: read on every request, replaced whole by a reload. Thread-safe.
 */
public final class AliasTable {

  private final AtomicReference<Aliases> current;

  public AliasTable(Aliases initial) {
    this.current = new AtomicReference<>(initial);
  }

  public Aliases get() {
    return current.get();
  }

  public void set(Aliases next) {
    current.set(next);
  }
}
