package io.ollamagateway.store;

/**
 * The store cannot be used: unreachable, misconfigured, or its schema is newer than this code. The message is
 * meant for an operator and never contains a password.
 */
public final class StoreException extends RuntimeException {

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
