package io.ollamagateway.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API keys in the store, kept as SHA-256 hashes: the secret itself never reaches this interface. Every method
 * blocks on JDBC: call from a worker thread. Thread-safe.
 */
public interface KeyStore {

  /**
   * Stores a new active key.
   *
   * @param hash the SHA-256 hex of the secret
   * @param prefix the display prefix
   */
  ApiKey create(long userId, String name, String hash, String prefix, Instant expiresAt, List<String> models,
      KeyLimits limits);

  /** One key of a batch for {@link #createAll}: its name, the SHA-256 hex of its secret, its display prefix. */
  record NewKey(String name, String hash, String prefix) {
  }

  /**
   * Stores several active keys of one owner with the same settings, all or none (one transaction).
   *
   * @throws ConflictException when a hash is already stored; then nothing is
   */
  List<ApiKey> createAll(long userId, List<NewKey> keys, Instant expiresAt, List<String> models, KeyLimits limits);

  /** All keys, or those of one user when {@code userId} is not null, oldest first. */
  List<ApiKey> list(Long userId);

  Optional<ApiKey> find(long id);

  /** The key with this hash and its owner, whatever their state. */
  Optional<KeyGrant> findByHash(String hash);

  /** Every key that may currently authenticate (active, not revoked, owner active), with hashes. */
  Map<String, KeyGrant> usable();

  /** Writes name, expiry, active, models and limits; empty when the key does not exist. */
  Optional<ApiKey> update(ApiKey key);

  /** Revokes for good; empty when the key does not exist. Revoking twice keeps the first time. */
  Optional<ApiKey> revoke(long id, Instant at);

  /** Records last-use times, key id to epoch milliseconds, in one batch. */
  void touch(Map<Long, Long> lastUsed);
}
