package io.ollamagateway.limits;

import io.ollamagateway.auth.Principal;

/**
 * Which limits apply to a caller, from its key's and user's settings. Called on an event loop for every
 * request: must answer from memory.
 */
public interface LimitPlans {

  LimitPlans NONE = principal -> Plan.NONE;

  Plan plan(Principal principal);
}
