package io.ollamagateway.admin;

/** An id that names nothing. Answered with 404 / exit status 1. */
public final class NotFound extends RuntimeException {

  public NotFound(String message) {
    super(message, null, false, false);
  }
}
