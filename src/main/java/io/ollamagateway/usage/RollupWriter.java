package io.ollamagateway.usage;

import java.util.Collection;

/**
 * Record: adds a batch of hourly rows to durable storage, in one transaction: all of the batch or none.
 * Called on a worker thread, never an event loop; may block.
 */
public interface RollupWriter {

  /** @throws RuntimeException when nothing was written; the batch is then offered again at the next flush */
  void add(Collection<Rollup> batch);
}
