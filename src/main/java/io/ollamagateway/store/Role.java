package io.ollamagateway.store;

/** What a caller may do: an admin manages models and the gateway, a user only uses models. */
public enum Role {
  ADMIN, USER
}
