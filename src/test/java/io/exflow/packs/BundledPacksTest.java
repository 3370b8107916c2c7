package io.exflow.packs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BundledPacksTest {

    private final LoadedPacks packs = TestPacks.bundled();

    @Test
    void loadsBothDomainsAndAllThreeTenants() {
        assertEquals(Set.of("finance", "healthcare"), packs.domains().keySet());
        assertEquals(Set.of("acme-bank", "medicare-plus", "dormant-co"), packs.tenants().keySet());
        assertEquals("finance", packs.domainOf(TestPacks.tenant("acme-bank")).name());
        assertEquals("healthcare", packs.domainOf(TestPacks.tenant("medicare-plus")).name());
    }

    @Test
    void tenantStatusesAndDefaults() {
        TenantPack acme = TestPacks.tenant("acme-bank");
        TenantPack dormant = TestPacks.tenant("dormant-co");
        assertTrue(acme.isActive());
        assertEquals(TenantStatus.ACTIVE, TestPacks.tenant("medicare-plus").status());
        assertEquals(TenantStatus.SUSPENDED, dormant.status());
        assertFalse(dormant.isActive());
        // dormant-co omits the threshold: the default applies, not 0.
        assertEquals(TenantPack.DEFAULT_SLA_IMMINENT_THRESHOLD, dormant.slaImminentThreshold());
        assertEquals(0.75, TestPacks.tenant("medicare-plus").slaImminentThreshold());
        assertTrue(dormant.severityOverrides().isEmpty());
        assertTrue(acme.escalateOnBreach());
        assertEquals(new RateLimit(50, 100), acme.rateLimit());
    }

    @Test
    void slaWindowsAreParsedAsDurations() {
        Map<Severity, Duration> sla = TestPacks.tenant("acme-bank").slaBySeverity();
        assertEquals(Duration.ofHours(1), sla.get(Severity.CRITICAL));
        assertEquals(Duration.ofHours(4), sla.get(Severity.HIGH));
        assertEquals(Duration.ofHours(24), sla.get(Severity.MEDIUM));
        assertEquals(Duration.ofHours(72), sla.get(Severity.LOW));
    }

    @Test
    void financePlaybooksAndTools() {
        DomainPack finance = TestPacks.finance();
        Playbook retry = finance.playbook("retry-settlement").orElseThrow();
        assertEquals(List.of("settlement.retry", "ledger.reconcile"),
                retry.steps().stream().map(PlaybookStep::tool).toList());
        assertEquals(StepAction.TOOL, retry.steps().get(0).action());
        assertEquals(3, retry.steps().get(0).maxAttempts());
        assertEquals(Map.of("rail", "same"), retry.steps().get(0).params());
        assertEquals(2, retry.steps().get(1).maxAttempts());

        PlaybookStep match = finance.playbook("resolve-payment-mismatch").orElseThrow().steps().get(0);
        assertEquals(PlaybookStep.DEFAULT_MAX_ATTEMPTS, match.maxAttempts(), "omitted maxAttempts defaults to 3");

        assertTrue(finance.playbook("chargeback-representment").orElseThrow().steps().stream()
                .anyMatch(s -> s.action() == StepAction.APPROVAL));

        ToolDef tool = finance.tool("settlement.retry").orElseThrow();
        assertEquals(ToolMode.SIMULATE, tool.mode());
        assertEquals(5000, tool.timeoutMs());
        assertNull(tool.endpoint());
        assertEquals(new SimulateProfile(120, 0.0), tool.simulate());

        assertEquals(List.of("retry-settlement"), finance.playbooksFor("SETTLEMENT_FAILED").stream().map(Playbook::id).toList());
        assertTrue(finance.playbooksFor("LEDGER_BREAK").isEmpty());
    }

    @Test
    void guardrails() {
        Guardrails finance = TestPacks.finance().guardrails();
        assertEquals(0, new BigDecimal("250000").compareTo(finance.maxAutoAmount()));
        assertEquals(Set.of("SANCTIONS_HIT"), finance.blockedExceptionTypes());
        assertEquals(Set.of(Severity.CRITICAL), finance.escalateSeverities());
        assertEquals(Set.of("PHI_DISCLOSURE"), TestPacks.healthcare().guardrails().blockedExceptionTypes());
    }

    @Test
    void healthcareTypes() {
        DomainPack healthcare = TestPacks.healthcare();
        for (String code : List.of("CLAIM_MISMATCH", "ELIGIBILITY_FAILED", "PRIOR_AUTH_MISSING", "DUPLICATE_CLAIM")) {
            assertTrue(healthcare.exceptionType(code).isPresent(), code);
        }
        assertEquals(List.of("memberId", "payerId"),
                healthcare.exceptionType("ELIGIBILITY_FAILED").orElseThrow().requiredFields());
    }

    @Test
    void packsSurviveAJsonRoundTrip() throws Exception {
        // The runtime stores packs as JSON; what it reads back must equal what was loaded.
        ObjectMapper mapper = PackLoader.newObjectMapper();
        for (DomainPack domain : packs.domains().values()) {
            String json = mapper.writeValueAsString(domain);
            assertEquals(domain, mapper.readValue(json, DomainPack.class), domain.name());
        }
        for (TenantPack tenant : packs.tenants().values()) {
            String json = mapper.writeValueAsString(tenant);
            assertTrue(json.contains("\"CRITICAL\":\"PT"), "durations are written as ISO-8601: " + json);
            assertFalse(json.contains("\"active\""), "helper methods are not serialized");
            assertEquals(tenant, mapper.readValue(json, TenantPack.class), tenant.tenantId());
        }
        String step = mapper.writeValueAsString(TestPacks.finance().tools().get(0));
        assertTrue(step.contains("\"mode\":\"simulate\""), step);
        String rule = mapper.writeValueAsString(TestPacks.finance().severityRules().stream()
                .filter(r -> r.attribute() != null).findFirst().orElseThrow());
        assertTrue(rule.contains("\"equals\":\"10.4\""), rule);
    }

    @Test
    void loadedMapsAreUnmodifiable() {
        assertNotNull(packs.tenant("acme-bank").orElse(null));
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> packs.tenants().remove("acme-bank"));
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> TestPacks.finance().playbooks().clear());
    }
}
