package io.ollamagateway.store;

import java.time.Instant;

/**
 * The usage of one caller's key with one model through one upstream key during one hour, as {@code GET /stats}
 * shows it.
 *
 * @param hour the hour's start, UTC
 * @param keyLabel the caller's key display prefix, else the caller's public id ({@code shared-token}); never a secret
 * @param model the model, or {@code ""}
 * @param upstream the upstream's name, or {@code ""} when none was reached
 * @param upstreamKeyIndex the upstream key's position in its pool, or -1 when the upstream took no key; never the key
 */
public record UpstreamUsage(Instant hour, String keyLabel, String model, String upstream, int upstreamKeyIndex,
    long requests, long promptTokens, long completionTokens) {
}
