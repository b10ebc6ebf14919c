package io.ollamagateway.config;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;

/**
 * How requests are limited. Immutable; built by {@link ConfigLoader}.
 *
 * @param redisUrl {@code REDIS_URL}: when set, rate limits, concurrency and quota reservations are counted in
 *     this Redis, shared by every gateway instance that uses it; when empty, in this process's memory
 * @param redisKeyPrefix {@code REDIS_KEY_PREFIX}: starts every Redis key the gateway writes, so that
 *     several deployments can share one Redis
 * @param failOpen {@code LIMITS_FAIL_OPEN}: when the counters cannot be reached (Redis down), let requests
 *     through unlimited ({@code true}) or refuse them with 503 ({@code false}, the default)
 * @param zone {@code QUOTA_TIME_ZONE}: where the days and months of quotas start
 * @param userRequestsPerHour {@code REQUESTS_PER_HOUR_USER}: the hourly request limit of a user's key that
 *     sets none of its own; 0 for none
 * @param adminRequestsPerHour {@code REQUESTS_PER_HOUR_ADMIN}: the same for an admin's key
 * @param outputReserve {@code QUOTA_OUTPUT_RESERVE}: the answer tokens a generation without its own cap
 *     reserves from token limits (and is capped to), when no less is left
 * @param resync {@code QUOTA_RESYNC_INTERVAL}: how old the derivation of a token counter from the usage
 *     store may get before it is derived again (without Redis), which is how an instance sees usage other
 *     instances wrote to the same store
 * @param reservationTtl {@code QUOTA_RESERVATION_TTL}: how long a quota reservation in Redis holds tokens
 *     when nothing settles it (its instance died); a request running longer keeps its answer but its
 *     reservation stops holding
 */
public record LimitsConfig(Optional<String> redisUrl, String redisKeyPrefix, boolean failOpen, ZoneId zone,
    long userRequestsPerHour, long adminRequestsPerHour, long outputReserve, Duration resync,
    Duration reservationTtl) {
}
