package io.ollamagateway.admin;

/** A request or command argument that is not acceptable; names the field. Answered with 400 / exit status 1. */
public final class InvalidInput extends RuntimeException {

  private final String field;

  public InvalidInput(String field, String message) {
    super(field + ": " + message, null, false, false);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
