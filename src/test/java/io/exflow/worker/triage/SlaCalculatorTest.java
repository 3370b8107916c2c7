package io.exflow.worker.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.exflow.packs.RateLimit;
import io.exflow.packs.Severity;
import io.exflow.packs.TenantPack;
import io.exflow.packs.TenantStatus;
import io.exflow.packs.TestPacks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SlaCalculatorTest {

    private static final Instant START = Instant.parse("2025-03-10T09:00:00Z");

    @Test
    void deadlineUsesTheTenantWindowForTheSeverity() {
        TenantPack acme = TestPacks.tenant("acme-bank");
        assertEquals(Instant.parse("2025-03-10T10:00:00Z"), SlaCalculator.deadline(START, Severity.CRITICAL, acme));
        assertEquals(Instant.parse("2025-03-10T13:00:00Z"), SlaCalculator.deadline(START, Severity.HIGH, acme));
        assertEquals(Instant.parse("2025-03-11T09:00:00Z"), SlaCalculator.deadline(START, Severity.MEDIUM, acme));
        assertEquals(Instant.parse("2025-03-13T09:00:00Z"), SlaCalculator.deadline(START, Severity.LOW, acme));
        assertEquals(Instant.parse("2025-03-10T11:00:00Z"),
                SlaCalculator.deadline(START, Severity.CRITICAL, TestPacks.tenant("medicare-plus")));
    }

    @Test
    void missingWindowIsAnError() {
        TenantPack partial = new TenantPack("p", "P", TenantStatus.ACTIVE, "finance", Map.of(),
                Map.of(Severity.CRITICAL, Duration.ofHours(1)), Set.of(), List.of(), Set.of(), new RateLimit(1, 1), 0.8, false);
        assertThrows(IllegalStateException.class, () -> SlaCalculator.deadline(START, Severity.LOW, partial));
    }

    @Test
    void imminentAtIsTheThresholdFractionOfTheWindow() {
        Instant deadline = START.plus(Duration.ofHours(1));
        assertEquals(START.plus(Duration.ofMinutes(48)), SlaCalculator.imminentAt(START, deadline, 0.8));
        assertEquals(START.plus(Duration.ofMinutes(45)), SlaCalculator.imminentAt(START, deadline, 0.75));
        assertEquals(deadline, SlaCalculator.imminentAt(START, deadline, 1.0));
        assertEquals(START.plus(Duration.ofHours(72 * 8).dividedBy(10)),
                SlaCalculator.imminentAt(START, START.plus(Duration.ofHours(72)), 0.8));
    }

    @Test
    void imminentAtIsExactForOddWindows() {
        Instant start = Instant.parse("2025-03-10T09:00:00.123456789Z");
        Instant deadline = start.plusSeconds(7).plusNanos(1);
        // 0.5 × 7.000000001 s = 3.5000000005 s, rounded half-up to 3.500000001 s
        assertEquals(start.plusNanos(3_500_000_001L), SlaCalculator.imminentAt(start, deadline, 0.5));
        assertEquals(start, SlaCalculator.imminentAt(start, start, 0.8), "empty window");
        // A very long window does not overflow.
        Instant far = start.plus(Duration.ofDays(365L * 500));
        assertEquals(start.plus(Duration.ofDays(365L * 250)), SlaCalculator.imminentAt(start, far, 0.5));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.1, 1.01, Double.NaN})
    void rejectsThresholdsOutsideZeroToOne(double threshold) {
        assertThrows(IllegalArgumentException.class,
                () -> SlaCalculator.imminentAt(START, START.plusSeconds(60), threshold));
    }

    @Test
    void rejectsDeadlineBeforeStart() {
        assertThrows(IllegalArgumentException.class, () -> SlaCalculator.imminentAt(START, START.minusSeconds(1), 0.8));
    }
}
