package io.ollamagateway.store;

import java.time.Instant;

/**
 * One administrative action: who did what to which target, when.
 *
 * @param id the store's id ({@code 0} before it is recorded)
 * @param at when
 * @param actor the caller's public id and name, e.g. {@code key:3 (alice)} or {@code cli}
 * @param action e.g. {@code user.create}, {@code key.revoke}
 * @param target e.g. {@code user:7}, {@code key:12}
 * @param detail a short non-secret description, or {@code null}
 * @param requestId the id of the HTTP request the action came from ({@code X-Request-Id}), or {@code null}
 *     (the CLI, or an entry older than request ids)
 */
public record AuditEntry(long id, Instant at, String actor, String action, String target, String detail,
    String requestId) {
}
