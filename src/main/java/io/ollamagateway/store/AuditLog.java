package io.ollamagateway.store;

import java.util.List;

/** The audit log of administrative actions. Blocks on JDBC: call from a worker thread. Thread-safe. */
public interface AuditLog {

  void record(String actor, String action, String target, String detail);

  /**
   * This log, writing {@code requestId} (the admin request the actions came from) with every entry; itself
   * when {@code requestId} is null. Cheap: a view, made per admin request.
   */
  AuditLog forRequest(String requestId);

  /** The newest entries first, at most {@code limit}, older than {@code beforeId} when it is not null. */
  List<AuditEntry> list(int limit, Long beforeId);

  /**
   * The newest entries first, at most {@code limit}, older than {@code beforeId} when it is not null, and of
   * one request when {@code requestId} is not null.
   */
  List<AuditEntry> list(int limit, Long beforeId, String requestId);

  /**
   * The id of the newest entry, 0 when there is none. Every change to users and keys writes an entry, from any
   * process, so a change of this number tells a running gateway that its caches may be stale.
   */
  long latestId();
}
