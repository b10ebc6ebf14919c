package io.ollamagateway.store;

import java.util.List;
import java.util.Optional;

/** Users in the store. Every method blocks on JDBC: call from a worker thread. Thread-safe. */
public interface UserStore {

  List<User> list();

  Optional<User> find(long id);

  Optional<User> findByName(String name);

  /** @throws ConflictException when the name is taken */
  User create(String name, String email, Role role);

  /** Writes email, role and active of {@code user}; empty when it does not exist (any more). */
  Optional<User> update(User user);

  /** The user's quota; {@link Quota#NONE} when none was set. */
  Quota quota(long userId);

  /** Replaces the user's quota; false when there is no such user. */
  boolean setQuota(long userId, Quota quota);

  /** The user's self-service caps; {@link UserCaps#NONE} when none were set. */
  UserCaps caps(long userId);

  /** Replaces the user's self-service caps; false when there is no such user. */
  boolean setCaps(long userId, UserCaps caps);

  /** Deletes a user and all their keys; false when there was no such user. */
  boolean delete(long id);
}
