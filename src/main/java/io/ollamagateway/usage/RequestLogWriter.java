package io.ollamagateway.usage;

import java.time.Instant;
import java.util.List;

/** Where the request log is kept. Blocks: called on workers. */
public interface RequestLogWriter {

  /** Stores a batch of records, all or none. */
  void append(List<RequestRecord> batch);

  /** Deletes the records that ended before {@code cutoff}; answers how many. */
  int deleteBefore(Instant cutoff);
}
