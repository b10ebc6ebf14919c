package io.ollamagateway.usage;

import java.time.Instant;

/**
 * One finished request as the optional request log keeps it: who, what, where, how it ended and what it cost.
 * Never a secret: callers are named by id ({@code key:12}) and upstream keys by their index.
 *
 * @param id the store's id; 0 before it is stored
 * @param at when the request ended
 * @param userId the caller's user, or {@code null}
 * @param keyId the caller's key, or {@code null}
 * @param client the caller's public id
 * @param path the canonical upstream path, without the query
 * @param model the model the request named, or {@code null}
 * @param upstream the upstream it went to, or {@code null} when it was answered before routing
 * @param upstreamKeyIndex the upstream key's index in its pool, or {@code null}
 * @param status the status the client saw (499 when it went away first)
 * @param estimated whether the token counts were estimated
 * @param requestId the request's id ({@code X-Request-Id}), or {@code null} for rows older than request ids
 * @param targetModel when {@code model} is an alias, the model the upstream that answered was asked for; else
 *     {@code null}
 * @param cachedTokens tokens of embedding inputs answered from the embeddings cache (estimated), not upstream
 *     tokens; 0 when none
 */
public record RequestRecord(long id, Instant at, Long userId, Long keyId, String client, String method, String path,
    String model, String upstream, Integer upstreamKeyIndex, int status, long durationMillis, long firstByteMillis,
    long promptTokens, long completionTokens, boolean estimated, String requestId, String targetModel,
    long cachedTokens) {

  /** A record of a request that named no alias. */
  public RequestRecord(long id, Instant at, Long userId, Long keyId, String client, String method, String path,
      String model, String upstream, Integer upstreamKeyIndex, int status, long durationMillis, long firstByteMillis,
      long promptTokens, long completionTokens, boolean estimated, String requestId) {
    this(id, at, userId, keyId, client, method, path, model, upstream, upstreamKeyIndex, status, durationMillis,
        firstByteMillis, promptTokens, completionTokens, estimated, requestId, null, 0);
  }
}
