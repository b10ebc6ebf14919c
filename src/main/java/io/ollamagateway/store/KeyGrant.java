package io.ollamagateway.store;

/** A key together with its owner: what authentication needs to decide in one look-up. */
public record KeyGrant(ApiKey key, User user) {
}
