package io.ollamagateway.store;

/** A key together with its owner and the owner's quota: what authentication needs to decide in one look-up. */
public record KeyGrant(ApiKey key, User user, Quota quota) {

  public KeyGrant {
    quota = quota == null ? Quota.NONE : quota;
  }
}
