package io.ollamagateway.store;

/** A write broke a uniqueness rule (a user name that exists). The message names the field. */
public final class ConflictException extends RuntimeException {

  public ConflictException(String message) {
    super(message, null, false, false);
  }
}
