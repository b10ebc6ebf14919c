package io.ollamagateway.admin;

/** The caller may not do this (not a matter of which id it named). Answered with 403. */
public final class Forbidden extends RuntimeException {

  public Forbidden(String message) {
    super(message, null, false, false);
  }
}
