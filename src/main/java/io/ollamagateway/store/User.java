package io.ollamagateway.store;

import java.time.Instant;

/**
 * A person or system that holds API keys. Admin rights come from {@link #role()}, never from the name.
 *
 * @param id the store's id
 * @param name unique, 1 to 64 characters of letters, digits, {@code . _ -} and {@code @}
 * @param email optional contact, {@code null} when unset
 * @param role what the user's keys may do
 * @param active an inactive user's keys are refused
 * @param createdAt when the user was created
 */
public record User(long id, String name, String email, Role role, boolean active, Instant createdAt) {

  public User withChanges(String email, Role role, boolean active) {
    return new User(id, name, email, role, active, createdAt);
  }
}
