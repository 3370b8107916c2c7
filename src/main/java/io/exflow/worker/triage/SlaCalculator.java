package io.exflow.worker.triage;

import io.exflow.packs.Severity;
import io.exflow.packs.TenantPack;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/** SLA deadlines from a tenant's per-severity windows. */
public final class SlaCalculator {

    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

    private SlaCalculator() {
    }

    /** {@code start} plus the tenant's SLA window for {@code severity}. */
    public static Instant deadline(Instant start, Severity severity, TenantPack tenant) {
        Duration window = tenant.slaBySeverity().get(severity);
        if (window == null) {
            // Pack validation requires every severity; this only happens with hand-built packs.
            throw new IllegalStateException("tenant '" + tenant.tenantId() + "' has no SLA for " + severity);
        }
        return start.plus(window);
    }

    /**
     * The moment {@code threshold} of the window from {@code start} to {@code deadline} has
     * elapsed, e.g. 48 minutes into a one-hour window at 0.8. Exact to the nanosecond (rounded
     * half-up), whatever the window length.
     *
     * @param threshold in (0, 1]
     */
    public static Instant imminentAt(Instant start, Instant deadline, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
        if (deadline.isBefore(start)) {
            throw new IllegalArgumentException("deadline " + deadline + " is before start " + start);
        }
        Duration window = Duration.between(start, deadline);
        BigDecimal windowNanos = BigDecimal.valueOf(window.getSeconds()).multiply(NANOS_PER_SECOND)
                .add(BigDecimal.valueOf(window.getNano()));
        BigDecimal[] secondsAndNanos = windowNanos.multiply(BigDecimal.valueOf(threshold))
                .setScale(0, RoundingMode.HALF_UP)
                .divideAndRemainder(NANOS_PER_SECOND);
        return start.plusSeconds(secondsAndNanos[0].longValueExact()).plusNanos(secondsAndNanos[1].longValueExact());
    }
}
