package io.exflow.packs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exflow.packs.PackValidationException.Violation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each fixture folder under packs-invalid/ is loaded on top of the (valid) bundled packs. */
class PackValidationTest {

    private static PackValidationException loadFails(String fixture) {
        Path dir = TestPacks.resourceDir("packs-invalid/" + fixture);
        return assertThrows(PackValidationException.class, () -> new PackLoader().load(dir));
    }

    private static void assertViolation(PackValidationException e, String fileName, String field, String messagePart) {
        boolean found = e.violations().stream().anyMatch(v -> v.file().endsWith(fileName)
                && v.field().equals(field) && v.message().contains(messagePart));
        assertTrue(found, "expected " + fileName + ": " + field + ": ..." + messagePart + "... in\n" + e.getMessage());
        // The exception message names file and field, so a start-up log line is enough to fix the pack.
        assertTrue(e.getMessage().contains(fileName) && e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void tenantWithUnknownDomain() {
        PackValidationException e = loadFails("tenant-unknown-domain");
        assertViolation(e, "insurer.json", "domain", "domain pack 'insurance' is not defined");
        assertEquals(1, e.violations().size(), e.getMessage());
    }

    @Test
    void tenantMissingAnSlaSeverity() {
        PackValidationException e = loadFails("tenant-missing-sla");
        assertViolation(e, "no-low-sla.json", "slaBySeverity.LOW", "is required");
        assertEquals(1, e.violations().size(), e.getMessage());
    }

    @Test
    void playbookToolStepNamingAnUndefinedTool() {
        PackValidationException e = loadFails("domain-unknown-tool");
        assertViolation(e, "payments.json", "playbooks[0].steps[1].tool", "'ledger.reconcle' is not defined");
        assertEquals(1, e.violations().size(), e.getMessage());
    }

    @Test
    void thresholdOutsideZeroToOne() {
        PackValidationException e = loadFails("tenant-bad-threshold");
        assertViolation(e, "eager.json", "slaImminentThreshold", "must be in (0, 1]");
        assertViolation(e, "zero.json", "slaImminentThreshold", "must be in (0, 1]");
        assertEquals(2, e.violations().size(), "problems of all files are reported together");
    }

    @Test
    void malformedJsonNamesTheLine() {
        PackValidationException e = loadFails("tenant-malformed-json");
        assertViolation(e, "broken.json", "$", "malformed JSON at line 5");
    }

    @Test
    void misspelledFieldIsRejected() {
        PackValidationException e = loadFails("tenant-unknown-field");
        assertViolation(e, "typo.json", "slaBySeverty", "unknown field");
    }

    @Test
    void badEnumAndDurationValues() {
        PackValidationException e = loadFails("tenant-bad-values");
        assertViolation(e, "paused.json", "status", "invalid value 'PAUSED'");
        assertViolation(e, "paused.json", "status", "ACTIVE");
        assertViolation(e, "wordy-sla.json", "slaBySeverity.CRITICAL", "invalid value 'one hour'");
    }

    @Test
    void tenantReferencesMustExistInItsDomain() {
        PackValidationException e = loadFails("tenant-bad-references");
        assertViolation(e, "loose.json", "severityOverrides.WIRE_RECALL", "'WIRE_RECALL' is not defined");
        assertViolation(e, "loose.json", "slaBySeverity.MEDIUM", "positive");
        assertViolation(e, "loose.json", "approvedTools", "'crypto.refund' is not defined");
        assertViolation(e, "loose.json", "approvalRules[1].id", "duplicate id 'big'");
        assertViolation(e, "loose.json", "approvalRules[1].exceptionType", "'CHEQUE_BOUNCED' is not defined");
        assertViolation(e, "loose.json", "rateLimit.requestsPerSecond", "> 0");
        assertViolation(e, "loose.json", "rateLimit.burst", ">= 1");
        assertEquals(7, e.violations().size(), e.getMessage());
    }

    @Test
    void everyProblemOfADomainIsReported() {
        PackValidationException e = loadFails("domain-many-problems");
        String file = "messy.json";
        assertViolation(e, file, "exceptionTypes[1].code", "duplicate exception type 'LATE_PAYMENT'");
        assertViolation(e, file, "exceptionTypes[2].code", "UPPER_SNAKE_CASE, e.g. 'WIRE_RECALL'");
        assertViolation(e, file, "severityRules[0].exceptionType", "'UNKNOWN_TYPE' is not defined");
        assertViolation(e, file, "severityRules[1].equals", "must be set together");
        assertViolation(e, file, "severityRules[2].minAmount", ">= 0");
        assertViolation(e, file, "severityRules[2].severity", "is required");
        assertViolation(e, file, "playbooks[0].steps[0].maxAttempts", ">= 1");
        assertViolation(e, file, "playbooks[0].steps[1].tool", "only TOOL steps name a tool");
        assertViolation(e, file, "playbooks[1].exceptionTypes", "at least one");
        assertViolation(e, file, "playbooks[1].steps", "at least one step");
        assertViolation(e, file, "tools[0].endpoint", "is required");
        assertViolation(e, file, "tools[0].timeoutMs", "> 0");
        assertViolation(e, file, "tools[1].simulate.failureRate", "between 0 and 1");
        assertViolation(e, file, "guardrails.blockedExceptionTypes[0]", "'NOPE' is not defined");
        assertViolation(e, file, "guardrails.autoApproveSeverities", "CRITICAL is also in escalateSeverities");
        assertEquals(15, e.violations().size(), e.getMessage());
    }

    @Test
    void duplicateTenantIdInOneSource() {
        PackValidationException e = loadFails("duplicate-tenant");
        assertViolation(e, "twin-two.json", "tenantId", "tenant 'twin' is also defined in");
        assertTrue(e.violations().get(0).message().contains("twin-one.json"));
    }

    @Test
    void extraDirectoryOverridesABundledTenant() {
        LoadedPacks packs = new PackLoader().load(TestPacks.resourceDir("packs-extra/override-acme"));
        TenantPack acme = packs.tenants().get("acme-bank");
        assertEquals(Duration.ofMinutes(30), acme.slaBySeverity().get(Severity.CRITICAL));
        assertEquals(Set.of("settlement.retry", "ledger.reconcile"), acme.approvedTools());
        assertEquals(3, packs.tenants().size(), "other bundled tenants are kept");
    }

    @Test
    void missingExtraDirectory() {
        Path missing = Path.of("/nonexistent/exflow-packs");
        PackValidationException e = assertThrows(PackValidationException.class, () -> new PackLoader().load(missing));
        assertEquals(List.of(new Violation(missing.toString(), "$", "pack directory does not exist or is not a directory")),
                e.violations());
    }

    @Test
    void indexListingAMissingFile() {
        PackLoader loader = new PackLoader(getClass().getClassLoader(), "packs-invalid/classpath-missing-file");
        PackValidationException e = assertThrows(PackValidationException.class, loader::load);
        assertViolation(e, "classpath-missing-file/index.json", "domains[0]",
                "'classpath:packs-invalid/classpath-missing-file/domains/finance.json' not found");
    }

    @Test
    void missingIndex() {
        PackLoader loader = new PackLoader(getClass().getClassLoader(), "no-such-root");
        PackValidationException e = assertThrows(PackValidationException.class, loader::load);
        assertViolation(e, "classpath:no-such-root/index.json", "$", "not found on the class path");
    }

    @Test
    void directoryOnlyLoading() {
        // Without classpath packs the tenant fixture cannot find the finance domain.
        PackLoader loader = new PackLoader(getClass().getClassLoader(), null);
        PackValidationException e = assertThrows(PackValidationException.class,
                () -> loader.load(TestPacks.resourceDir("packs-extra/override-acme")));
        assertViolation(e, "acme-bank.json", "domain", "'finance' is not defined");
    }
}
